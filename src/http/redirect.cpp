#include "http/redirect.hpp"

#include <pricescrape/detail/ascii.hpp>
#include <pricescrape/iri.hpp>
#include <pricescrape/url_source.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

namespace pricescrape::http {

namespace urls = boost::urls;

std::string without_userinfo(std::string_view url) {
  // By hand rather than with Boost.URL, so that a Location too broken to parse is
  // quoted without its credentials as well.
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const auto start = scheme_end + 3;
  const auto end = url.find_first_of("/?#", start);
  const auto authority = url.substr(start, end == std::string_view::npos ? end : end - start);
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, start));
  out += url.substr(start + at + 1);
  return out;
}

namespace {

scrape_error refused(std::string why, std::string_view url) {
  return {error_kind::redirects, std::move(why) + ": '" + without_userinfo(url) + "'"};
}

}  // namespace

outcome<std::string> next_location(std::string_view current, std::string_view location,
                                   bool allow_downgrade) {
  urls::url next;
  auto base = urls::parse_uri(current);
  // Servers send raw UTF-8 in Location too (an IRI): browsers follow it, encoded.
  const auto ascii = iri::to_uri(location);
  if (!ascii)
    return refused("redirect to an invalid Location (" + ascii.error().message + ")", location);
  auto ref = urls::parse_uri_reference(*ascii);
  if (!base || !ref || !urls::resolve(*base, *ref, next))
    return refused("redirect to an invalid Location", location);
  next.remove_fragment();
  const std::string scheme = detail::to_lower_ascii(next.scheme());
  if (scheme != "http" && scheme != "https")
    return refused("redirect to a non-http(s) URL", next.buffer());
  if (next.encoded_host().empty())
    return refused("redirect to a URL without a host", next.buffer());
  if (next.has_port()) {
    // Boost.URL 1.81 reads "h:-1/p" as an empty port before the path "-1/p".
    const auto path = next.encoded_path();
    if (!parse_port(next.port()) || (!path.empty() && path.front() != '/'))
      return refused("redirect to a URL with an invalid port (not 1-65535)", next.buffer());
  }
  if (!allow_downgrade && scheme == "http" && detail::to_lower_ascii(base->scheme()) == "https")
    return refused("refusing a redirect from https to plain http (--allow-downgrade follows it)",
                   next.buffer());
  next.remove_userinfo();
  return std::string(next.buffer());
}

}  // namespace pricescrape::http
