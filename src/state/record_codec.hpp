// A record as the run journal keeps it: compact JSON holding every field a fetch
// record can have, so a resumed run re-emits it exactly as it was first written.
#pragma once

#include <pricescrape/output/record.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace pricescrape::state::detail {

std::string encode_record(const output::record& r);
// nullopt when the text is not a journal record (a damaged row).
std::optional<output::record> decode_record(std::string_view text);

}  // namespace pricescrape::state::detail
