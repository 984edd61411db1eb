// Recognises bot walls: a response that is a challenge or a captcha rather than the page
// (Cloudflare, Akamai, DataDome, PerimeterX, Imperva, reCAPTCHA/hCaptcha/Turnstile).
#pragma once

#include "engine/rate_limit_headers.hpp"

#include <cstddef>
#include <span>
#include <string_view>

namespace pricescrape::engine {

enum class bot_wall {
  none,
  cloudflare,
  akamai,
  datadome,
  perimeterx,
  imperva,
  captcha,  // a captcha widget on a refusal, vendor unknown
};

std::string_view to_string(bot_wall wall) noexcept;

struct challenge_verdict {
  bot_wall wall = bot_wall::none;
  std::string_view marker;  // what matched, for the record's message; static storage

  bool is_challenge() const noexcept { return wall != bot_wall::none; }
};

// Only this much of the body is looked at: challenge pages say what they are early.
inline constexpr std::size_t challenge_scan_bytes = 8 * 1024;

// The rule, so a product page is never taken for a wall:
//  - Decisive at any status, 200 included: the `cf-mitigated: challenge` header, and
//    vendor signatures that only challenge and block pages carry (Cloudflare's
//    "Just a moment..." / "Attention Required!" titles, its `_cf_chl_opt` challenge
//    options and "Sorry, you have been blocked"; Akamai's errors.edgesuite.net
//    reference; DataDome's captcha-delivery.com challenge host; PerimeterX's px-captcha
//    element; Imperva's _Incapsula_Resource with "Request unsuccessful").
//  - Only on a refusal (403, 429, 503): captcha widgets (g-recaptcha, hCaptcha,
//    Turnstile, or the word "captcha") and Akamai-style "Access Denied" pages. Shops
//    embed reCAPTCHA, hCaptcha and Turnstile in login and newsletter forms, and load
//    bot-detection sensors (Cloudflare's /cdn-cgi/challenge-platform/ scripts,
//    DataDome's tags.js, PerimeterX's _pxAppId) on ordinary pages: on a 200 these
//    never count.
// Matching is ASCII case-insensitive over the first challenge_scan_bytes of the body.
challenge_verdict detect_challenge(int status, std::span<const header_field> headers,
                                   std::string_view body);

}  // namespace pricescrape::engine
