// The end-of-run lines that say what each host's politeness policy met and settled at.
#pragma once

#include <pricescrape/engine.hpp>

#include <string>
#include <vector>

namespace pricescrape::cli {

// One line per host worth a word: refused, challenged, paused, blocked or robots-limited
// ones always (at most `limit` of them, then a count of the rest); with `verbose`,
// every host up to `limit`.
std::vector<std::string> host_summary_lines(const std::vector<host_report>& hosts, bool verbose,
                                            std::size_t limit = 10);

}  // namespace pricescrape::cli
