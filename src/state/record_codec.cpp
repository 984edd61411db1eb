#include "record_codec.hpp"

#include <nlohmann/json.hpp>

namespace pricescrape::state::detail {

namespace {

using json = nlohmann::json;

json optional_json(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

std::optional<std::string> optional_string(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

std::string encode_record(const output::record& r) {
  json j = {
      {"index", r.index},
      {"url", r.url},
      {"final_url", optional_json(r.final_url)},
      {"status", r.status ? json(*r.status) : json(nullptr)},
      {"attempts", r.attempts},
      {"elapsed_ms", r.elapsed_ms},
      {"fetched_at", r.fetched_at},
      {"price", optional_json(r.price)},
      {"currency", optional_json(r.currency)},
      {"title", optional_json(r.title)},
      {"availability", optional_json(r.availability)},
      {"source", optional_json(r.source)},
      {"changed", r.changed ? json(*r.changed) : json(nullptr)},
  };
  if (r.error) j["error"] = {{"kind", to_string(r.error->kind)}, {"message", r.error->message}};
  if (r.previous) {
    j["previous"] = {{"price", optional_json(r.previous->price)},
                     {"currency", optional_json(r.previous->currency)},
                     {"availability", optional_json(r.previous->availability)},
                     {"fetched_at", r.previous->fetched_at}};
  }
  // Invalid UTF-8 from a page is replaced as the writers replace it.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<output::record> decode_record(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  try {
    output::record r;
    r.index = j.at("index").get<std::size_t>();
    r.url = j.at("url").get<std::string>();
    r.final_url = optional_string(j, "final_url");
    if (!j.at("status").is_null()) r.status = j.at("status").get<int>();
    r.attempts = j.at("attempts").get<int>();
    r.elapsed_ms = j.at("elapsed_ms").get<std::int64_t>();
    r.fetched_at = j.at("fetched_at").get<std::string>();
    r.price = optional_string(j, "price");
    r.currency = optional_string(j, "currency");
    r.title = optional_string(j, "title");
    r.availability = optional_string(j, "availability");
    r.source = optional_string(j, "source");
    if (!j.at("changed").is_null()) r.changed = j.at("changed").get<bool>();
    if (const auto e = j.find("error"); e != j.end()) {
      const auto kind = parse_error_kind(e->at("kind").get<std::string>());
      if (!kind) return std::nullopt;
      r.error = scrape_error{*kind, e->at("message").get<std::string>()};
    }
    if (const auto p = j.find("previous"); p != j.end()) {
      r.previous = output::previous_observation{
          optional_string(*p, "price"), optional_string(*p, "currency"),
          optional_string(*p, "availability"), p->at("fetched_at").get<std::string>()};
    }
    return r;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

}  // namespace pricescrape::state::detail
