#pragma once
// EventQueue: the discrete-event kernel's future-event list and virtual clock. Events are small
// plain values (a time, a kind, two integers) kept in a binary heap; ties in time are broken by
// insertion order, so a run is a pure function of its inputs. No allocation per event and no
// std::function: the model dispatches on `kind` itself, which keeps the kernel at tens of
// millions of events per second (bench/sim_bench.cpp).
//
// Thread safety: none; one replication per queue.

#include <cstdint>
#include <vector>

namespace gatesim::sim {

// Simulated time in microseconds since the scenario's start: integers keep every run exact.
using SimTime = std::int64_t;
constexpr SimTime kSecond = 1'000'000;
constexpr SimTime seconds(double s) { return static_cast<SimTime>(s * 1e6 + (s >= 0 ? 0.5 : -0.5)); }
constexpr double to_seconds(SimTime t) { return static_cast<double>(t) * 1e-6; }

struct SimEvent {
  SimTime time = 0;
  std::uint64_t order = 0;  // insertion sequence: first scheduled, first handled among equal times
  std::uint32_t kind = 0;   // the model's event type
  std::uint32_t target = 0; // which server, lane, traveller...
  std::uint64_t data = 0;   // a token the model checks (for example, to ignore cancelled timers)
};

class EventQueue {
 public:
  SimTime now() const { return now_; }
  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  std::uint64_t handled() const { return handled_; }
  // requires: !empty(). ensures: the time of the earliest event.
  SimTime next_time() const { return heap_.front().time; }

  // requires: at <= next_time() when !empty(). ensures: now() == max(now(), at). For events
  //           from outside the model (real-time replay) that happen between scheduled ones.
  void advance_to(SimTime at) {
    if (at > now_) now_ = at;
  }

  // requires: at >= now(). ensures: the event is handled after every earlier event and after
  //           events already scheduled for the same time.
  void schedule_at(SimTime at, std::uint32_t kind, std::uint32_t target = 0, std::uint64_t data = 0) {
    heap_.push_back(SimEvent{at < now_ ? now_ : at, next_order_++, kind, target, data});
    sift_up(heap_.size() - 1);
  }
  void schedule_in(SimTime delay, std::uint32_t kind, std::uint32_t target = 0, std::uint64_t data = 0) {
    schedule_at(now_ + delay, kind, target, data);
  }

  // requires: !empty(). ensures: removes the earliest event, advances now() to its time.
  SimEvent pop() {
    SimEvent top = heap_.front();
    heap_.front() = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(0);
    now_ = top.time;
    ++handled_;
    return top;
  }

  // Runs `handle(const SimEvent&)` on each event in order until the queue is empty or the next
  // event is later than `until`; the clock ends at `until` when events remain.
  template <class Handler>
  void run_until(SimTime until, Handler&& handle) {
    while (!heap_.empty() && heap_.front().time <= until) handle(pop());
    if (!heap_.empty() && now_ < until) now_ = until;
  }

 private:
  static bool before(const SimEvent& a, const SimEvent& b) {
    return a.time < b.time || (a.time == b.time && a.order < b.order);
  }
  void sift_up(std::size_t i) {
    const SimEvent moving = heap_[i];
    while (i > 0) {
      const std::size_t parent = (i - 1) / 2;
      if (!before(moving, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = moving;
  }
  void sift_down(std::size_t i) {
    const std::size_t n = heap_.size();
    const SimEvent moving = heap_[i];
    for (;;) {
      std::size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
      if (!before(heap_[child], moving)) break;
      heap_[i] = heap_[child];
      i = child;
    }
    heap_[i] = moving;
  }

  std::vector<SimEvent> heap_;
  SimTime now_ = 0;
  std::uint64_t next_order_ = 0;
  std::uint64_t handled_ = 0;
};

}  // namespace gatesim::sim
