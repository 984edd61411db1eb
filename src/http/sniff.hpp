// Decides whether a response is an HTML page, by Content-Type or by sniffing.
#pragma once

#include <string_view>

namespace pricescrape::http {

enum class html_verdict { html, not_html, sniff };

// text/html and application/xhtml+xml are HTML; an absent, empty or
// application/octet-stream type (servers that do not know) is decided by sniffing;
// anything else (JSON, images, text/plain...) is not HTML.
html_verdict classify_content_type(std::string_view content_type);

// The WHATWG MIME-sniffing rule for HTML: after whitespace (and a BOM), the body starts
// with one of the tags "<!doctype html", "<html", "<head", "<body", "<script", ... .
bool looks_like_html(std::string_view body);

// Both rules together: the verdict for a response.
bool is_html_response(std::string_view content_type, std::string_view body);

}  // namespace pricescrape::http
