// The calling thread's CPU time, for the per-stage profile (`pricescrape --profile`).
#pragma once

#include <cstdint>
#include <ctime>

namespace pricescrape::detail {

// Nanoseconds of CPU the calling thread has used. One clock_gettime call (~0.1-0.5 us,
// not in the vDSO): cheap enough to read a few times per page, always.
inline std::uint64_t thread_cpu_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace pricescrape::detail
