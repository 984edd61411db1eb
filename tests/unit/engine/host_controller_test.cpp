#include "engine/host_controller.hpp"

#include <gtest/gtest.h>

namespace pricescrape::engine {
namespace {}  // namespace
}  // namespace pricescrape::engine
