// The extraction pipeline: bytes -> UTF-8 -> one gumbo parse -> candidates -> product.
#include <pricescrape/extract/extractor.hpp>

#include <pricescrape/extract/charset.hpp>
#include <pricescrape/extract/price_parser.hpp>

#include "extract/html.hpp"
#include "extract/structured.hpp"

#include <algorithm>
#include <array>
#include <exception>
#include <string>
#include <string_view>
#include <utility>

namespace pricescrape::extract {
namespace {

using detail::structured_offer;

constexpr std::string_view no_price_message =
    "no price found on the page (looked at JSON-LD, microdata, meta tags, visible prices)";

// Visible prices are short; a long text under a "price" class is a container.
constexpr std::size_t max_visible_price_text = 60;
constexpr std::size_t max_visible_candidates = 20;
constexpr std::size_t max_title_bytes = 500;

char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Country (ISO 3166 alpha-2, lower case) -> the currency that settles "$", "kr", "¥",
// "£" and "Rs" there. Only countries where one of those is ambiguous are listed.
struct country_currency {
  std::string_view country;
  std::string_view currency;
};
constexpr auto country_currencies = std::to_array<country_currency>({
    {"us", "USD"}, {"ca", "CAD"}, {"au", "AUD"}, {"nz", "NZD"}, {"hk", "HKD"}, {"sg", "SGD"},
    {"tw", "TWD"}, {"mx", "MXN"}, {"ar", "ARS"}, {"cl", "CLP"}, {"co", "COP"}, {"uy", "UYU"},
    {"no", "NOK"}, {"dk", "DKK"}, {"is", "ISK"}, {"se", "SEK"}, {"jp", "JPY"}, {"cn", "CNY"},
    {"gb", "GBP"}, {"uk", "GBP"}, {"eg", "EGP"}, {"lb", "LBP"}, {"in", "INR"}, {"pk", "PKR"},
    {"lk", "LKR"}, {"np", "NPR"}, {"md", "MDL"}, {"ro", "RON"}, {"by", "BYN"}, {"ru", "RUB"},
});

std::string_view currency_of_country(std::string_view country) {
  for (const auto& c : country_currencies) {
    if (c.country == country) return c.currency;
  }
  return {};
}

// The currency the page's country implies: from <html lang="en-CA"> first (it is
// about this page), else from the URL's top-level domain.
std::string default_currency_for(std::string_view url, std::string_view lang) {
  std::string l;
  for (char c : lang) l.push_back(c == '_' ? '-' : ascii_lower(c));
  if (const auto dash = l.find('-'); dash != std::string::npos) {
    const std::string region = l.substr(dash + 1, 2);
    if (auto cur = currency_of_country(region); !cur.empty()) return std::string(cur);
  }
  const std::string language = l.substr(0, l.find('-'));
  if (language == "nb" || language == "nn" || language == "no") return "NOK";
  if (language == "da") return "DKK";
  if (language == "is") return "ISK";
  if (language == "sv") return "SEK";
  if (language == "ja") return "JPY";
  if (language == "zh") return "CNY";

  std::string_view host = url;
  if (const auto scheme = host.find("://"); scheme != std::string_view::npos) {
    host.remove_prefix(scheme + 3);
  }
  host = host.substr(0, host.find_first_of("/?#"));
  if (const auto at = host.rfind('@'); at != std::string_view::npos) host.remove_prefix(at + 1);
  host = host.substr(0, host.find(':'));
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  const auto dot = host.rfind('.');
  if (dot == std::string_view::npos) return {};
  std::string tld(host.substr(dot + 1));
  for (char& c : tld) c = ascii_lower(c);
  return std::string(currency_of_country(tld));
}

double source_weight(std::string_view source) {
  if (source == "jsonld") return 3.0;
  if (source == "microdata") return 2.0;
  if (source == "meta") return 1.5;
  return 0.5;
}

candidate to_candidate(const structured_offer& o, std::size_t index_in_source) {
  candidate c;
  c.source = o.source;
  c.text = o.text;
  c.price = o.price;
  c.currency = o.currency;
  // Earlier statements of the same kind win ties: the first product is the page's.
  c.score = source_weight(o.source) - std::min(0.2, 0.01 * static_cast<double>(index_in_source));
  c.why = o.why;
  if (o.currency) {
    c.score += 0.1;
    c.why += "; currency stated";
  }
  return c;
}

// Classes and ids that mark a price that is not the one to pay.
bool is_old_price_marker(std::string_view value) {
  for (const std::string_view word : {"old", "was", "list", "regular", "strike", "crossed",
                                      "before", "compare", "rrp", "msrp", "save", "saving"}) {
    if (detail::contains_ci(value, word)) return true;
  }
  return false;
}

bool is_crossed_out(const GumboNode* node) {
  const GumboTag tag = detail::tag_of(node);
  return tag == GUMBO_TAG_DEL || tag == GUMBO_TAG_S || tag == GUMBO_TAG_STRIKE ||
         is_old_price_marker(detail::attribute(node, "class").value_or("")) ||
         is_old_price_marker(detail::attribute(node, "id").value_or(""));
}

struct page_scan {
  std::optional<std::string> title;
  std::optional<std::string> h1;
  std::string lang;
  std::vector<std::pair<const GumboNode*, std::string>> price_elements;  // (node, why)
};

// One walk for what the structured pass does not read: <title>, the first <h1>,
// <html lang>, and elements that look like they hold the visible price.
page_scan scan_page(const GumboNode* document) {
  page_scan scan;
  // (node, inside a struck-through or "old price" element)
  std::vector<std::pair<const GumboNode*, bool>> stack{{document, false}};
  while (!stack.empty()) {
    auto [node, excluded] = stack.back();
    stack.pop_back();
    if (node->type != GUMBO_NODE_DOCUMENT && !detail::is_element(node)) continue;
    bool inner_excluded = excluded;
    if (detail::is_element(node)) {
      const GumboTag tag = detail::tag_of(node);
      if (tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE || tag == GUMBO_TAG_TEMPLATE ||
          tag == GUMBO_TAG_NOSCRIPT) {
        continue;
      }
      if (tag == GUMBO_TAG_HTML && scan.lang.empty()) {
        scan.lang = std::string(detail::attribute(node, "lang").value_or(""));
      }
      if (tag == GUMBO_TAG_TITLE && !scan.title) {
        std::string t = detail::text_content(node, max_title_bytes);
        if (!t.empty()) scan.title = std::move(t);
      }
      if (tag == GUMBO_TAG_H1 && !scan.h1) {
        std::string t = detail::text_content(node, max_title_bytes);
        if (!t.empty()) scan.h1 = std::move(t);
      }
      const std::string_view cls = detail::attribute(node, "class").value_or("");
      const std::string_view id = detail::attribute(node, "id").value_or("");
      if (is_crossed_out(node)) inner_excluded = true;
      const bool named_price =
          detail::contains_ci(cls, "price") || detail::contains_ci(id, "price");
      if (named_price && !inner_excluded &&
          scan.price_elements.size() < max_visible_candidates * 4) {
        scan.price_elements.emplace_back(
            node, detail::contains_ci(cls, "price") ? "class contains price" : "id contains price");
      }
    }
    const GumboVector& kids =
        node->type == GUMBO_NODE_DOCUMENT ? node->v.document.children : node->v.element.children;
    for (unsigned int k = kids.length; k > 0; --k) {
      stack.emplace_back(static_cast<const GumboNode*>(kids.data[k - 1]), inner_excluded);
    }
  }
  return scan;
}

std::vector<candidate> visible_candidates(const page_scan& scan,
                                          std::string_view default_currency) {
  std::vector<candidate> out;
  for (const auto& [node, why] : scan.price_elements) {
    if (out.size() >= max_visible_candidates) break;
    // "<p class=price><del>$30</del> $25</p>": the struck-through part is not read.
    const std::string text =
        detail::text_content(node, max_visible_price_text + 1, &is_crossed_out);
    if (text.empty() || text.size() > max_visible_price_text) continue;
    price_parse_options options;
    options.default_currency = default_currency;
    const parsed_price parsed = parse_price(text, options);
    // Without a currency sign a number under "price" is too often a quantity or an id.
    if (!parsed.amount || !parsed.currency_token) continue;
    candidate c;
    c.source = "visible";
    c.text = text;
    c.price = parsed.amount;
    c.currency = parsed.currency;
    c.score = source_weight("visible");
    c.why = why + "; currency symbol";
    out.push_back(std::move(c));
  }
  return out;
}

// Candidates from different sources stating the same amount support each other.
void reinforce(std::vector<candidate>& candidates) {
  for (auto& c : candidates) {
    std::vector<std::string_view> agreeing;
    for (const auto& other : candidates) {
      if (other.source == c.source || other.price != c.price) continue;
      if (std::find(agreeing.begin(), agreeing.end(), other.source) != agreeing.end()) continue;
      agreeing.push_back(other.source);
    }
    for (const auto source : agreeing) {
      c.score += 0.3;
      c.why += "; agrees with " + std::string(source);
    }
  }
}

extraction run(const page_input& page, const extract_options& options) {
  extraction result;
  const utf8_page text = to_utf8(page.body, page.content_type);
  const detail::html_document doc(text.text);
  const detail::structured_data structured = detail::find_structured(doc.document());
  const page_scan scan = scan_page(doc.document());
  const std::string default_currency = default_currency_for(page.url, scan.lang);

  std::vector<candidate> candidates;
  std::vector<const structured_offer*> offers;  // parallel to the structured candidates
  for (const auto* list : {&structured.jsonld, &structured.microdata, &structured.meta}) {
    std::size_t index = 0;
    for (const auto& o : *list) {
      if (!o.price) continue;
      candidates.push_back(to_candidate(o, index++));
      offers.push_back(&o);
    }
  }
  // A currency the structured data states is the best judge of a visible "kr" or "$".
  std::string visible_default = default_currency;
  for (const auto& c : candidates) {
    if (c.currency) {
      visible_default = *c.currency;
      break;
    }
  }
  if (visible_default == default_currency && structured.meta_currency) {
    visible_default = *structured.meta_currency;
  }
  for (auto& c : visible_candidates(scan, visible_default)) {
    candidates.push_back(std::move(c));
    offers.push_back(nullptr);
  }
  reinforce(candidates);

  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (!best || candidates[i].score > candidates[*best].score) best = i;
  }

  product& found = result.found;
  if (best) {
    const candidate& chosen = candidates[*best];
    found.price = chosen.price;
    found.currency = chosen.currency;
    found.source = chosen.source;
    // A currency stated elsewhere for the same amount, else by any structured source.
    for (const auto& c : candidates) {
      if (found.currency) break;
      if (c.price == chosen.price && c.currency) found.currency = c.currency;
    }
    for (const auto& c : candidates) {
      if (found.currency) break;
      if (c.source != "visible" && c.currency) found.currency = c.currency;
    }
    if (!found.currency) found.currency = structured.meta_currency;
    if (const structured_offer* o = offers[*best]) {
      if (o->name && o->source != "meta") found.title = o->name;
      found.availability = o->availability;
    }
  }

  // Title: the structured product name, og:title, the first h1, then <title>.
  const auto first_name = [](const std::vector<structured_offer>& list) {
    for (const auto& o : list) {
      if (o.name) return o.name;
    }
    return std::optional<std::string>{};
  };
  if (!found.title) found.title = first_name(structured.jsonld);
  if (!found.title) found.title = first_name(structured.microdata);
  if (!found.title) found.title = structured.og_title;
  if (!found.title) found.title = scan.h1;
  if (!found.title) found.title = scan.title;
  if (found.title) found.title = detail::collapse_whitespace(*found.title);
  if (found.title && found.title->empty()) found.title.reset();

  if (!found.availability) {
    for (const auto* list : {&structured.jsonld, &structured.microdata, &structured.meta}) {
      for (const auto& o : *list) {
        if (!found.availability && o.availability) found.availability = o.availability;
      }
    }
  }

  if (!found.price)
    result.error = scrape_error{error_kind::no_price, std::string(no_price_message)};
  if (options.explain) {
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const candidate& a, const candidate& b) { return a.score > b.score; });
    result.candidates = std::move(candidates);
  }
  return result;
}

}  // namespace

extraction extract_product(const page_input& page, const extract_options& options) {
  try {
    return run(page, options);
  } catch (const std::exception& e) {
    // Only allocation failure can get here (nothing in the pipeline throws on bad
    // input); the batch goes on and this page gets a record saying why.
    extraction failed;
    failed.error =
        scrape_error{error_kind::no_price, std::string("cannot extract the product: ") + e.what()};
    return failed;
  }
}

}  // namespace pricescrape::extract
