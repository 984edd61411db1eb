// Per-host politeness shared beyond this process (DESIGN.md section 2): workers on one
// work queue pace each shop together, so ten workers are not ten times as rude. The
// engine asks before each send, after its own host policy said yes.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace pricescrape {

class host_gate {
 public:
  virtual ~host_gate() = default;

  // Reserves the host's next send among everyone sharing the gate. `gap` is this
  // process's own gap between sends to the host (1 / its pace; 0 when unpaced); the
  // gate keeps the larger of it and what the others learned. `ready` is called once,
  // from any thread, with how long to wait before sending; when the gate cannot answer
  // (its store unreachable) with a short wait, so the host's own pace still holds.
  virtual void reserve(const std::string& host, std::chrono::microseconds gap,
                       std::function<void(std::chrono::milliseconds)> ready) = 0;

  // The host's policy learned something every sharer should follow: a new pace
  // (requests/s; 0 = unpaced) and, when the server asked for one, a pause from now.
  virtual void learned(const std::string& host, double rate, std::chrono::milliseconds pause) = 0;
};

}  // namespace pricescrape
