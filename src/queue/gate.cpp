// Cluster-wide pacing: one GCRA per host in Redis. Each send reserves the host's next
// slot (its theoretical arrival time moves on by the gap), so however many workers
// share a shop, it sees one pace; pauses a shop asked for (Retry-After) hold for all.
#include "queue/keys.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <mutex>
#include <random>
#include <unordered_map>

#include <unistd.h>

namespace pricescrape::queue {

namespace {

using namespace std::chrono_literals;

// KEYS[1] the host's hash, KEYS[2] its shared in-flight slots (token -> expiry);
// ARGV[1] the caller's own gap in microseconds, ARGV[2] the in-flight limit (0 = none
// shared), ARGV[3] the slot's token, ARGV[4] how long a slot may be held (ms): a worker
// that dies holding one frees it then. Returns {0} when every slot is taken, else
// {1, wait, the learned gap, the pause left}, in microseconds. Redis's clock, so
// workers' clocks need not agree.
constexpr const char* reserve_script = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[2])
if limit > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  if redis.call('ZCARD', KEYS[2]) >= limit then return {0} end
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]) * 1000, ARGV[3])
  redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[4]) + 60000)
end
local h = redis.call('HMGET', KEYS[1], 'tat', 'gap', 'pause')
local gap = math.max(tonumber(ARGV[1]), tonumber(h[2]) or 0)
local at = math.max(now, tonumber(h[1]) or 0, tonumber(h[3]) or 0)
if gap > 0 then redis.call('HSET', KEYS[1], 'tat', string.format('%.0f', at + gap)) end
redis.call('PEXPIRE', KEYS[1], 3600000)
return {1, math.floor(at - now), math.floor(tonumber(h[2]) or 0), math.floor(math.max((tonumber(h[3]) or 0) - now, 0))}
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

// A host nobody paces (no gap learned, no pause, no shared slots) needs no reservation:
// such an answer is trusted this long before Redis is asked again, so an unlimited shop
// costs one script run per second per worker, not one per request.
constexpr std::chrono::milliseconds free_host_recheck{1000};

struct cluster_gate::impl {
  impl(const queue_ref& q, std::chrono::milliseconds slot_hold)
      : k(q.name), hold(slot_hold), lane(q.where, "queue " + q.name + " (pacing)") {}

  bool known_free(const std::string& host) {
    std::lock_guard lock(cache_mutex);
    const auto it = free_until.find(host);
    return it != free_until.end() && std::chrono::steady_clock::now() < it->second;
  }
  void note(const std::string& host, bool free) {
    std::lock_guard lock(cache_mutex);
    if (free)
      free_until[host] = std::chrono::steady_clock::now() + free_host_recheck;
    else
      free_until.erase(host);
  }

  keys k;
  std::chrono::milliseconds hold;
  std::mutex cache_mutex;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> free_until;
  std::string token_prefix =
      std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}()) + "-";
  std::atomic<std::uint64_t> next_token{0};
  redis::lane lane;
};

cluster_gate::cluster_gate(const queue_ref& q, std::chrono::milliseconds slot_hold)
    : impl_(std::make_unique<impl>(q, slot_hold)) {}
cluster_gate::~cluster_gate() = default;

void cluster_gate::reserve(const std::string& host, std::chrono::microseconds gap,
                           std::size_t in_flight_limit, std::function<void(gate_pass)> ready) {
  const bool unpaced_here = gap.count() == 0 && in_flight_limit == 0;
  if (unpaced_here && impl_->known_free(host)) {
    ready(gate_pass{});
    return;
  }
  auto answer = std::make_shared<std::function<void(gate_pass)>>(std::move(ready));
  std::string token;
  if (in_flight_limit > 0) token = impl_->token_prefix + std::to_string(impl_->next_token++);
  impl_->lane.post(
      {[this, host, gap, in_flight_limit, token, answer, unpaced_here](redis::connection& c) {
         const auto r =
             c.command({"EVAL", reserve_script, "2", impl_->k.host(host), impl_->k.host_slots(host),
                        std::to_string(gap.count()), std::to_string(in_flight_limit),
                        token.empty() ? "-" : token, std::to_string(impl_->hold.count())});
         expect_ok(r, "the pacing script");
         gate_pass pass;
         if (r.elements.empty() || r.elements[0].as_integer() == 0) {
           pass.full = true;
         } else {
           const auto wait_us =
               r.elements.size() > 1 ? std::max<long long>(r.elements[1].as_integer(), 0) : 0;
           pass.wait = std::chrono::milliseconds((wait_us + 999) / 1000);
           pass.slot = token;
           const bool others_pace = r.elements.size() < 4 || r.elements[2].as_integer() != 0 ||
                                    r.elements[3].as_integer() != 0;
           impl_->note(host, unpaced_here && !others_pace && wait_us == 0);
         }
         (*answer)(std::move(pass));
       },
       true, [answer] { (*answer)(gate_pass{}); }});
}

void cluster_gate::release(const std::string& host, const std::string& slot) {
  impl_->lane.post({[this, key = impl_->k.host_slots(host), slot](redis::connection& c) {
                      expect_ok(c.command({"ZREM", key, slot}), "releasing an in-flight slot");
                    },
                    true, nullptr});
}

void cluster_gate::learned(const std::string& host, double rate, std::chrono::milliseconds pause) {
  impl_->note(host, false);
  const long long gap_us = rate > 0 ? static_cast<long long>(1e6 / rate) : 0;
  impl_->lane.post({[this, key = impl_->k.host(host), gap_us, pause](redis::connection& c) {
                      expect_ok(c.command({"EVAL", learn_script, "1", key, std::to_string(gap_us),
                                           std::to_string(std::max<long long>(pause.count(), 0))}),
                                "the pacing script");
                    },
                    true, nullptr});
}

}  // namespace pricescrape::queue
