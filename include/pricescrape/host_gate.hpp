// Per-host politeness shared beyond this process (DESIGN.md section 2): workers on one
// work queue pace each shop together, so ten workers are not ten times as rude. The
// engine asks before each send, after its own host policy said yes.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace pricescrape {

// The gate's answer to one reservation.
struct gate_pass {
  std::chrono::milliseconds wait{0};  // until this process's turn to send
  bool full = false;  // every shared in-flight slot of the host is taken: ask again later
  std::string slot;   // the in-flight slot taken (empty when none is shared): release it
};

class host_gate {
 public:
  virtual ~host_gate() = default;

  // Reserves the host's next send among everyone sharing the gate. `gap` is this
  // process's own gap between sends to the host (1 / its pace; 0 when unpaced); the
  // gate keeps the larger of it and what the others learned. With `in_flight_limit`
  // above 0, the send also takes one of that many in-flight slots shared by everyone,
  // or is answered `full`. `ready` is called once, from any thread; when the gate cannot
  // answer (its store unreachable) with a pass that lets the host's own policy decide.
  virtual void reserve(const std::string& host, std::chrono::microseconds gap,
                       std::size_t in_flight_limit, std::function<void(gate_pass)> ready) = 0;

  // The response to a send that took `slot` is in: the slot is free again.
  virtual void release(const std::string& host, const std::string& slot) = 0;

  // The host's policy learned something every sharer should follow: a new pace
  // (requests/s; 0 = unpaced) and, when the server asked for one, a pause from now.
  virtual void learned(const std::string& host, double rate, std::chrono::milliseconds pause) = 0;
};

}  // namespace pricescrape
