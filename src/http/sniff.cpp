#include "http/sniff.hpp"

#include <pricescrape/detail/ascii.hpp>

#include <array>
#include <cctype>
#include <string>

namespace pricescrape::http {

namespace {

bool iequals_prefix(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         detail::iequals_ascii(text.substr(0, prefix.size()), prefix);
}

std::string media_type(std::string_view content_type) {
  const auto semi = content_type.find(';');
  std::string_view type = content_type.substr(0, semi);
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.front())))
    type.remove_prefix(1);
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.back())))
    type.remove_suffix(1);
  return detail::to_lower_ascii(type);
}

}  // namespace

html_verdict classify_content_type(std::string_view content_type) {
  const std::string type = media_type(content_type);
  if (type.empty() || type == "application/octet-stream" || type == "application/unknown" ||
      type == "unknown/unknown")
    return html_verdict::sniff;
  if (type == "text/html" || type == "application/xhtml+xml") return html_verdict::html;
  return html_verdict::not_html;
}

bool looks_like_html(std::string_view body) {
  if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  while (!body.empty() && (body.front() == ' ' || body.front() == '\t' || body.front() == '\n' ||
                           body.front() == '\r' || body.front() == '\f'))
    body.remove_prefix(1);
  // The tag names the WHATWG sniffing algorithm checks, each followed by a space or '>'.
  static constexpr std::array tags = {
      "<!doctype html", "<html", "<head",  "<script", "<iframe", "<h1",   "<div", "<font",
      "<table",         "<a",    "<style", "<title",  "<b",      "<body", "<br",  "<p",
      "<!--",           "<meta"};
  for (std::string_view tag : tags) {
    if (!iequals_prefix(body, tag)) continue;
    if (tag == "<!--") return true;
    if (body.size() == tag.size()) return false;
    const char next = body[tag.size()];
    if (next == ' ' || next == '>' || next == '\t' || next == '\n' || next == '\r' || next == '/')
      return true;
  }
  return false;
}

bool is_html_response(std::string_view content_type, std::string_view body) {
  switch (classify_content_type(content_type)) {
    case html_verdict::html:
      return true;
    case html_verdict::not_html:
      return false;
    case html_verdict::sniff:
      return looks_like_html(body);
  }
  return false;
}

}  // namespace pricescrape::http
