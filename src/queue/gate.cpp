// Cluster-wide pacing: one GCRA per host in Redis. Each send reserves the host's next
// slot (its theoretical arrival time moves on by the gap), so however many workers
// share a shop, it sees one pace; pauses a shop asked for (Retry-After) hold for all.
#include "queue/keys.hpp"

#include <spdlog/spdlog.h>

namespace pricescrape::queue {

namespace {

using namespace std::chrono_literals;

// KEYS[1] the host's hash; ARGV[1] the caller's own gap in microseconds. Returns the
// wait in microseconds. Redis's clock, so workers' clocks need not agree.
constexpr const char* reserve_script = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local h = redis.call('HMGET', KEYS[1], 'tat', 'gap', 'pause')
local gap = math.max(tonumber(ARGV[1]), tonumber(h[2]) or 0)
local at = math.max(now, tonumber(h[1]) or 0, tonumber(h[3]) or 0)
if gap > 0 then redis.call('HSET', KEYS[1], 'tat', string.format('%.0f', at + gap)) end
redis.call('PEXPIRE', KEYS[1], 3600000)
return string.format('%.0f', at - now)
)lua";

// KEYS[1] the host's hash; ARGV[1] the learned gap in microseconds (0 = unpaced),
// ARGV[2] a pause from now in milliseconds (0 = none).
constexpr const char* learn_script = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('HSET', KEYS[1], 'gap', ARGV[1])
local pause = tonumber(ARGV[2])
if pause > 0 then
  local untilp = now + pause * 1000
  local old = tonumber(redis.call('HGET', KEYS[1], 'pause')) or 0
  if untilp > old then redis.call('HSET', KEYS[1], 'pause', string.format('%.0f', untilp)) end
end
redis.call('PEXPIRE', KEYS[1], 3600000)
return 1
)lua";

}  // namespace

struct cluster_gate::impl {
  explicit impl(const queue_ref& q) : k(q.name), lane(q.where, "queue " + q.name + " (pacing)") {}
  keys k;
  redis::lane lane;
};

cluster_gate::cluster_gate(const queue_ref& q) : impl_(std::make_unique<impl>(q)) {}
cluster_gate::~cluster_gate() = default;

void cluster_gate::reserve(const std::string& host, std::chrono::microseconds gap,
                           std::function<void(std::chrono::milliseconds)> ready) {
  auto answer = std::make_shared<std::function<void(std::chrono::milliseconds)>>(std::move(ready));
  impl_->lane.post(
      {[this, key = impl_->k.host(host), gap, answer](redis::connection& c) {
         const auto r = c.command({"EVAL", reserve_script, "1", key, std::to_string(gap.count())});
         expect_ok(r, "the pacing script");
         const auto wait_us = std::max<long long>(r.as_integer(0), 0);
         (*answer)(std::chrono::milliseconds((wait_us + 999) / 1000));
       },
       true, [answer] { (*answer)(0ms); }});
}

void cluster_gate::learned(const std::string& host, double rate, std::chrono::milliseconds pause) {
  const long long gap_us = rate > 0 ? static_cast<long long>(1e6 / rate) : 0;
  impl_->lane.post({[this, key = impl_->k.host(host), gap_us, pause](redis::connection& c) {
                      expect_ok(c.command({"EVAL", learn_script, "1", key, std::to_string(gap_us),
                                           std::to_string(std::max<long long>(pause.count(), 0))}),
                                "the pacing script");
                    },
                    true, nullptr});
}

}  // namespace pricescrape::queue
