// The state file's schema, versioned with PRAGMA user_version, and the migrations that
// bring an older file up to store::schema_version step by step.
#pragma once

#include "sqlite.hpp"

namespace pricescrape::state::detail {

// Brings the open file to store::schema_version in one transaction: a new file gets
// every step from version 0, an older one the steps it lacks. Throws state_error for
// a file of a newer version, or a version-0 file that already holds other tables.
void migrate(const connection& db);

}  // namespace pricescrape::state::detail
