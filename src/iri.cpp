#include <pricescrape/iri.hpp>

#include <idn2.h>

#include <cstdlib>
#include <memory>

namespace pricescrape::iri {

namespace {

scrape_error invalid(std::string message) { return {error_kind::invalid_url, std::move(message)}; }

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF,
// so what is percent-encoded below is text a server can decode.
bool is_valid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (s.size() - i < len) return false;
    const auto second = static_cast<unsigned char>(s[i + 1]);
    if (second < lo || second > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

bool has_non_ascii(std::string_view s) noexcept {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  return false;
}

bool is_alnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 3986's unreserved and sub-delims, plus '%' (kept as the user or server wrote it).
bool always_allowed(char c) noexcept {
  constexpr std::string_view marks =
      "-._~"         // unreserved besides letters and digits
      "!$&'()*+,;="  // sub-delims
      "%";
  return is_alnum(c) || marks.find(c) != std::string_view::npos;
}

// Appends `text` with every byte outside always_allowed() and `extra` percent-encoded.
void append_encoded(std::string& out, std::string_view text, std::string_view extra) {
  constexpr char hex[] = "0123456789ABCDEF";
  for (char c : text) {
    if (always_allowed(c) || extra.find(c) != std::string_view::npos) {
      out += c;
    } else {
      const auto u = static_cast<unsigned char>(c);
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 0x0F];
    }
  }
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "b%C3%BCcher" -> "bücher"; empty when an escape is broken.
std::string percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return {};
    const int high = hex_value(text[i + 1]);
    const int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) return {};
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

// The RFC 3986 scheme at the start of `text` with its ':', or empty.
std::string_view leading_scheme(std::string_view text) noexcept {
  if (text.empty() || !is_alnum(text[0]) || (text[0] >= '0' && text[0] <= '9')) return {};
  for (std::size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ':') return text.substr(0, i + 1);
    if (!is_alnum(c) && c != '+' && c != '-' && c != '.') return {};
  }
  return {};
}

bool has_ace_label(std::string_view host) noexcept {
  for (std::size_t at = 0; at + 4 <= host.size(); ++at) {
    if ((at == 0 || host[at - 1] == '.') && (host[at] == 'x' || host[at] == 'X') &&
        (host[at + 1] == 'n' || host[at + 1] == 'N') && host[at + 2] == '-' && host[at + 3] == '-')
      return true;
  }
  return false;
}

// The IDNA step proper (UTS 46, nontransitional as browsers: "faß" stays "faß", not
// "fass"); the result is checked for what a DNS name and Boost.URL accept.
outcome<std::string> idna(const std::string& host) {
  char* converted = nullptr;
  const int rc = idn2_to_ascii_8z(host.c_str(), &converted, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
  const std::unique_ptr<char, decltype(&idn2_free)> owned(converted, &idn2_free);
  if (rc != IDN2_OK) {
    return invalid(std::string("invalid international host name (") + idn2_strerror(rc) + ")");
  }
  std::string ascii(converted);
  for (char c : ascii) {
    if (!is_alnum(c) && c != '-' && c != '.' && c != '_')
      return invalid(std::string("host name contains '") + c + "', not allowed in a host");
  }
  if (ascii.empty()) return invalid("URL has an empty host after IDNA");
  return ascii;
}

}  // namespace

outcome<std::string> to_ascii_host(std::string_view host) {
  if (!is_valid_utf8(host)) return invalid("URL is not valid UTF-8");
  if (!host.empty() && host.front() == '[') {
    // An IPv6 (or IPvFuture) literal is sent as written; it has no international form.
    if (has_non_ascii(host)) return invalid("IPv6 address contains non-ASCII characters");
    return std::string(host);
  }
  std::string text(host);
  if (host.find('%') != std::string_view::npos) {
    // Browsers decode the host before IDNA: "b%C3%BCcher.example" is "bücher.example".
    std::string decoded = percent_decoded(host);
    if (has_non_ascii(decoded)) {
      if (!is_valid_utf8(decoded)) return invalid("host is not valid UTF-8 once decoded");
      text = std::move(decoded);
    }
  }
  if (has_non_ascii(text)) return idna(text);
  // An ASCII name is kept as written, but a malformed A-label ("xn--" that is not
  // valid Punycode) is refused here rather than sent to DNS.
  if (has_ace_label(text)) {
    auto checked = idna(text);
    if (!checked) return checked.error();
  }
  return text;
}

outcome<std::string> to_uri(std::string_view reference) {
  if (!is_valid_utf8(reference)) return invalid("URL is not valid UTF-8");
  std::string out;
  out.reserve(reference.size() + 16);
  std::string_view rest = reference;
  const auto scheme = leading_scheme(rest);
  out += scheme;
  rest.remove_prefix(scheme.size());
  if (rest.substr(0, 2) == "//") {
    out += "//";
    rest.remove_prefix(2);
    const auto authority_end = std::min(rest.find_first_of("/?#"), rest.size());
    std::string_view authority = rest.substr(0, authority_end);
    rest.remove_prefix(authority_end);
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
      append_encoded(out, authority.substr(0, at), ":");
      out += '@';
      authority.remove_prefix(at + 1);
    }
    // The port follows the host's last ':' outside an IPv6 literal's brackets.
    const auto host_end = authority.starts_with('[') ? authority.find(']') : std::string_view::npos;
    const auto colon = authority.find(':', host_end == std::string_view::npos ? 0 : host_end);
    const auto host = authority.substr(0, colon);
    auto ascii_host = to_ascii_host(host);
    if (!ascii_host) return ascii_host.error();
    out += *ascii_host;
    // A port is digits; anything else is encoded here and refused by the URL parser.
    if (colon != std::string_view::npos) append_encoded(out, authority.substr(colon), ":[]");
  }
  const auto path_end = std::min(rest.find_first_of("?#"), rest.size());
  append_encoded(out, rest.substr(0, path_end), ":@/");
  rest.remove_prefix(path_end);
  if (rest.starts_with('?')) {
    const auto query_end = std::min(rest.find('#'), rest.size());
    out += '?';
    append_encoded(out, rest.substr(1, query_end - 1), ":@/?");
    rest.remove_prefix(query_end);
  }
  if (rest.starts_with('#')) {
    out += '#';
    append_encoded(out, rest.substr(1), ":@/?");
  }
  return out;
}

}  // namespace pricescrape::iri
