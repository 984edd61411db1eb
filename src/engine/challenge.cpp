#include "engine/challenge.hpp"

#include <pricescrape/detail/ascii.hpp>

#include <array>
#include <string>

namespace pricescrape::engine {

namespace {

using detail::iequals_ascii;

struct signature {
  std::string_view needle;  // lower case
  bot_wall wall;
};

// Seen only on challenge and block pages.
constexpr std::array strong = {
    signature{"<title>just a moment...</title>", bot_wall::cloudflare},
    signature{"<title>attention required! | cloudflare</title>", bot_wall::cloudflare},
    signature{"_cf_chl_opt", bot_wall::cloudflare},
    signature{"sorry, you have been blocked", bot_wall::cloudflare},
    signature{"errors.edgesuite.net", bot_wall::akamai},
    signature{"captcha-delivery.com", bot_wall::datadome},
    signature{"id=\"px-captcha\"", bot_wall::perimeterx},
    signature{"_incapsula_resource", bot_wall::imperva},
};

// Also on ordinary pages (login forms, sensors): they count only on a refusal.
constexpr std::array weak = {
    signature{"cf-chl", bot_wall::cloudflare},
    signature{"<title>access denied</title>", bot_wall::akamai},
    signature{"px-captcha", bot_wall::perimeterx},
    signature{"g-recaptcha", bot_wall::captcha},
    signature{"recaptcha/api", bot_wall::captcha},
    signature{"h-captcha", bot_wall::captcha},
    signature{"hcaptcha.com", bot_wall::captcha},
    signature{"cf-turnstile", bot_wall::captcha},
    signature{"captcha", bot_wall::captcha},
};

bool is_refusal(int status) noexcept { return status == 403 || status == 429 || status == 503; }

}  // namespace

std::string_view to_string(bot_wall wall) noexcept {
  switch (wall) {
    case bot_wall::none:
      return "none";
    case bot_wall::cloudflare:
      return "Cloudflare";
    case bot_wall::akamai:
      return "Akamai";
    case bot_wall::datadome:
      return "DataDome";
    case bot_wall::perimeterx:
      return "PerimeterX";
    case bot_wall::imperva:
      return "Imperva";
    case bot_wall::captcha:
      return "captcha";
  }
  return "unknown";
}

challenge_verdict detect_challenge(int status, std::span<const header_field> headers,
                                   std::string_view body) {
  for (const auto& [name, value] : headers) {
    // Cloudflare's documented signal for a challenge it served (managed, JS or
    // interactive); "cf-mitigated" has no other value today.
    if (iequals_ascii(name, "cf-mitigated") && iequals_ascii(value, "challenge"))
      return {bot_wall::cloudflare, "cf-mitigated: challenge"};
  }
  std::string text(body.substr(0, challenge_scan_bytes));
  for (auto& c : text) c = detail::to_lower_ascii(c);
  // "Access Denied" plus a reference number is Akamai's block page even without the
  // edgesuite link; Imperva's page says "Request unsuccessful" next to its resource.
  for (const auto& s : strong) {
    if (text.find(s.needle) == std::string::npos) continue;
    if (s.wall == bot_wall::imperva && text.find("request unsuccessful") == std::string::npos)
      continue;
    return {s.wall, s.needle};
  }
  if (!is_refusal(status)) return {};
  if (text.find("<title>access denied</title>") != std::string::npos &&
      text.find("reference #") != std::string::npos)
    return {bot_wall::akamai, "access denied, reference #"};
  for (const auto& s : weak)
    if (text.find(s.needle) != std::string::npos) return {s.wall, s.needle};
  return {};
}

}  // namespace pricescrape::engine
