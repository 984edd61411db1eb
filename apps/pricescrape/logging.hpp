// Logging on stderr only (stdout is for records): text or JSON lines, by verbosity.
#pragma once

#include "cli.hpp"

namespace pricescrape::cli {

void setup_logging(const common_options& common);

}  // namespace pricescrape::cli
