// Where a redirect leads, and how URLs are shown once credentials are taken out.
#pragma once

#include <pricescrape/error.hpp>

#include <string>
#include <string_view>

namespace pricescrape::http {

// `url` without "user:pass@" in its authority; anything else, unparsable text included,
// unchanged. Recorded URLs and messages never carry credentials.
std::string without_userinfo(std::string_view url);

// The absolute URL a Location header leads to from `current`, without fragment or
// userinfo, or a `redirects` error: an unparsable Location, a scheme other than http(s),
// a port outside 1..65535, or https -> http unless `allow_downgrade`.
outcome<std::string> next_location(std::string_view current, std::string_view location,
                                   bool allow_downgrade);

}  // namespace pricescrape::http
