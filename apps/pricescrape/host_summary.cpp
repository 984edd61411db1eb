#include "host_summary.hpp"

#include <cstdio>

namespace pricescrape::cli {

namespace {

bool eventful(const host_report& h) {
  return h.refusals || h.challenges || h.pauses || h.blocked || h.robots_disallowed;
}

std::string host_line(const host_report& h) {
  char buf[96];
  std::string line = "host " + h.host + ": " + std::to_string(h.requests) + " requests";
  if (h.refusals) line += ", " + std::to_string(h.refusals) + " refused (429/503)";
  if (h.challenges) line += ", " + std::to_string(h.challenges) + " bot challenges";
  if (h.pauses) line += ", " + std::to_string(h.pauses) + " pauses asked by the server";
  if (h.retries) line += ", " + std::to_string(h.retries) + " retries";
  if (h.robots_disallowed)
    line += ", " + std::to_string(h.robots_disallowed) + " disallowed by robots.txt";
  if (h.settled_rate > 0) {
    std::snprintf(buf, sizeof buf, "; settled at %.3g requests/s", h.settled_rate);
    line += buf;
  } else {
    line += "; unpaced";
  }
  std::snprintf(buf, sizeof buf, ", latency p50 %lld ms, p95 %lld ms",
                static_cast<long long>(h.latency_p50.count()),
                static_cast<long long>(h.latency_p95.count()));
  line += buf;
  if (h.blocked) line += "; given up on";
  return line;
}

}  // namespace

std::vector<std::string> host_summary_lines(const std::vector<host_report>& hosts, bool verbose,
                                            std::size_t limit) {
  std::vector<std::string> lines;
  std::size_t left_out = 0;
  for (const auto& h : hosts) {
    if (!verbose && !eventful(h)) continue;
    if (lines.size() < limit)
      lines.push_back(host_line(h));
    else
      ++left_out;
  }
  if (left_out) lines.push_back("... and " + std::to_string(left_out) + " more hosts");
  return lines;
}

}  // namespace pricescrape::cli
