// International URLs (IRIs) as the ASCII URIs a request sends: IDNA hosts, UTF-8 paths.
#pragma once

#include <pricescrape/error.hpp>

#include <string>
#include <string_view>

namespace pricescrape::iri {

// `reference` (an absolute URL, "//host/p" or a relative reference such as a Location
// header's) as browsers send it:
// - a host with non-ASCII characters (or percent-encoded UTF-8) becomes its IDNA form
//   (UTS 46, nontransitional, NFC first: "Bücher.example" -> "xn--bcher-kva.example");
//   an ASCII host and an IPv6 literal "[...]" are kept as written;
// - in userinfo, path, query and fragment, non-ASCII (as UTF-8 bytes) and the ASCII
//   bytes RFC 3986 does not allow there (space, '"', '<', '>', '\', '^', '`', '{', '|',
//   '}', a second '#', controls; '[' and ']' outside the host) are percent-encoded,
//   upper-case hex. '%' is kept, so what is already encoded stays as it is.
// An ASCII reference that is already a valid URI comes back byte for byte.
// Fails (kind invalid_url) when `reference` is not valid UTF-8 or the host is not a
// valid international domain name; the message names the cause but not the text, which
// the caller quotes its own way.
outcome<std::string> to_uri(std::string_view reference);

// One host as DNS and TLS know it: non-ASCII (or percent-encoded UTF-8) hosts through
// IDNA as above, ASCII hosts returned as they are. Same failures as to_uri().
outcome<std::string> to_ascii_host(std::string_view host);

}  // namespace pricescrape::iri
