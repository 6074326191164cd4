#pragma once
// EventQueue: the discrete-event kernel's future-event list and virtual clock. Events are small
// plain values (a time, a kind, two integers); ties in time are broken by insertion order, so a
// run is a pure function of its inputs. No allocation per event once warm and no std::function:
// the model dispatches on `kind` itself.
//
// The heap orders 16-byte keys only (the time, then the insertion sequence with the event's slot
// in its low bits), four children to a node, so a sift compares keys that share cache lines and
// never moves the payload (kind, target, data), which waits in a slot until its event is popped.
// Four children halve the levels of a binary heap for the same comparisons per level pair, and
// the smallest child is picked without branches, which a random future defeats
// (bench/sim_bench.cpp, `gatesim bench --only sim.kernel`).
//
// Timeouts skip the heap: events scheduled with the same delay fall due in the order they were
// scheduled, so schedule_timeout() appends them to a FIFO for that delay, and pop() takes the
// earliest of the heap's top and the FIFOs' heads. A lane's timers (a few fixed delays, most
// cancelled and left to expire) then cost a push and a pop at either end of a ring instead of
// two sifts through a heap they would crowd. The order is the same as through schedule_in().
// A FIFO keeps its events' payloads beside their keys: thousands of timers may wait out an
// hour's timeout, and read in the order they were written they stay out of the payload slots,
// which then hold the few heap events and stay in cache.
//
// A timeout cancelled while it is still the last of its FIFO (cancel_last_timeout: a lane's
// step timer whose step ended before any other timer of that length was started, as a policy
// check answered at once) leaves the FIFO instead of being popped and ignored at its time. The
// queue remembers its key, so that what popping and ignoring it did is kept: handled() counts it
// once a later event is popped, pop_until() moves the clock through those due by `until` when
// nothing else is, and pass_cancelled() lets a model that stops on the clock (the port simulator
// past the end of its window with nobody left) stop at it.
//
// Thread safety: none; one replication per queue.

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
#include <stdexcept>
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
  // Limits of the key's layout (the sequence and the slot share 64 bits).
  static constexpr std::size_t kMaxPending = std::size_t{1} << 24;
  static constexpr std::uint64_t kMaxScheduled = std::uint64_t{1} << 40;

  SimTime now() const { return now_; }
  bool empty() const { return pending_ == 0; }
  std::size_t size() const { return pending_; }
  // ensures: the events popped, with the cancelled timeouts (cancel_last_timeout) passed over:
  //          what popping and ignoring them would have counted.
  std::uint64_t handled() const {
    std::uint64_t n = handled_;
    for (const auto& fifo : timeouts_)
      n += static_cast<std::uint64_t>(std::upper_bound(fifo.cancelled.begin(), fifo.cancelled.end(), last_key_) -
                                      fifo.cancelled.begin());
    return n;
  }
  // requires: !empty(). ensures: the time of the earliest event.
  SimTime next_time() const { return time_of(earliest().key); }

  // requires: at <= next_time() when !empty(). ensures: now() == max(now(), at). For events
  //           from outside the model (real-time replay) that happen between scheduled ones.
  void advance_to(SimTime at) {
    if (at > now_) now_ = at;
  }

  // requires: at >= now() (an earlier time is taken as now()); fewer than kMaxPending events
  //           pending and kMaxScheduled scheduled over the queue's life (about 30 hours at
  //           10 M events/s), else throws std::length_error.
  // ensures: the event is handled after every earlier event and after events already scheduled
  //          for the same time.
  void schedule_at(SimTime at, std::uint32_t kind, std::uint32_t target = 0, std::uint64_t data = 0) {
    const Key key = make_key(at < now_ ? now_ : at, store({kind, target, data}));
    std::size_t i = keys_.size();
    keys_.push_back(key);
    while (i > 0) {
      const std::size_t parent = (i - 1) / kArity;
      if (!(key < keys_[parent])) break;
      keys_[i] = keys_[parent];
      i = parent;
    }
    keys_[i] = key;
  }
  void schedule_in(SimTime delay, std::uint32_t kind, std::uint32_t target = 0, std::uint64_t data = 0) {
    schedule_at(now_ + delay, kind, target, data);
  }
  // The same as schedule_in(), for delays from a small set (timeouts): one FIFO per distinct
  // delay, searched linearly, so a model with many different delays should use schedule_in().
  // ensures: the FIFO's number, for cancel_last_timeout().
  std::size_t schedule_timeout(SimTime delay, std::uint32_t kind, std::uint32_t target = 0, std::uint64_t data = 0) {
    if (delay < 0) delay = 0;
    const Key key = make_key(now_ + delay, 0);
    const Timed timed{key, {kind, target, data}};
    for (std::size_t f = 0; f < timeouts_.size(); ++f) {
      auto& fifo = timeouts_[f];
      if (fifo.delay == delay) {
        if (fifo.events.empty()) new_head(f, key);
        fifo.events.push_back(timed);
        return f;
      }
    }
    timeouts_.push_back({delay, {timed}, {}, 64});
    timeout_heads_.push_back(kNoKey);
    new_head(timeouts_.size() - 1, key);
    return timeouts_.size() - 1;
  }

  // requires: `fifo` was returned by schedule_timeout().
  // ensures: when the last event scheduled into `fifo` is (kind, target, data) and still
  //          pending, it leaves the queue as if popped and ignored at its time (see the header
  //          comment) and true is returned; else false and nothing changes (the model ignores
  //          the event when it comes: taking it from the middle of its FIFO would cost more than
  //          popping it).
  bool cancel_last_timeout(std::size_t fifo, std::uint32_t kind, std::uint32_t target, std::uint64_t data) {
    TimeoutFifo& f = timeouts_[fifo];
    if (f.events.empty()) return false;
    const Timed& last = f.events.back();
    if (last.payload.kind != kind || last.payload.target != target || last.payload.data != data) return false;
    if (f.cancelled.size() >= f.count_at) count_passed(f);
    // In key order: usually the latest, but an earlier timeout is the last again once those
    // after it are gone.
    if (f.cancelled.empty() || f.cancelled.back() < last.key) f.cancelled.push_back(last.key);
    else f.cancelled.insert(std::upper_bound(f.cancelled.begin(), f.cancelled.end(), last.key), last.key);
    f.events.pop_back();
    --pending_;
    if (f.events.empty()) {
      timeout_heads_[fifo] = kNoKey;
      if (earliest_head_.fifo == fifo) find_earliest_head();
    }
    return true;
  }

  // ensures: when a cancelled timeout due at or after `from` and by `until` would have been
  //          popped before every pending event, the clock moves to its time as if it had been
  //          popped (handled() counts it and those before it) and true is returned; else false
  //          and nothing changes.
  bool pass_cancelled(SimTime from, SimTime until) {
    const Key next = empty() ? kNoKey : earliest().key;
    const Key floor =
        std::max(last_key_ + 1, static_cast<Key>(static_cast<std::uint64_t>(std::max(from, now_))) << 64);
    Key first = kNoKey;
    for (const auto& fifo : timeouts_) {
      const auto it = std::lower_bound(fifo.cancelled.begin(), fifo.cancelled.end(), floor);
      if (it != fifo.cancelled.end() && *it < first) first = *it;
    }
    if (first >= next || first == kNoKey || time_of(first) > until) return false;
    last_key_ = first;
    now_ = time_of(first);
    return true;
  }

  // requires: !empty(). ensures: removes the earliest event, advances now() to its time.
  SimEvent pop() { return take(earliest()); }

  // ensures: the earliest event, removed as by pop(), when it is due by `until`; else nullopt
  //          and nothing changes (one search of the FIFOs where next_time() and pop() make two).
  std::optional<SimEvent> pop_until(SimTime until) {
    if (empty() || time_of(earliest().key) > until) {
      pass_cancelled_through(until);
      return std::nullopt;
    }
    return take(earliest());
  }

  // Runs `handle(const SimEvent&)` on each event in order until the queue is empty or the next
  // event is later than `until`; the clock ends at `until` when events remain.
  template <class Handler>
  void run_until(SimTime until, Handler&& handle) {
    while (const auto e = pop_until(until)) handle(*e);
    if (!empty() && now_ < until) now_ = until;
  }

 private:
  struct Earliest;
  // Removes the event `first` names and advances the clock to its time.
  SimEvent take(const Earliest& first) {
    const Key top = first.key;
    const auto sequence = static_cast<std::uint64_t>(top);
    Payload p;
    if (first.fifo != kHeap) {
      auto& events = timeouts_[first.fifo].events;
      p = events.front().payload;
      events.pop_front();
      timeout_heads_[first.fifo] = events.empty() ? kNoKey : events.front().key;
      find_earliest_head();  // the popped head was the earliest
    } else {
      const Key last = keys_.back();
      keys_.pop_back();
      if (!keys_.empty()) sift_down(last);
      const std::uint64_t slot = sequence & kSlotMask;
      p = payloads_[slot];
      free_.push_back(static_cast<std::uint32_t>(slot));
    }
    --pending_;
    now_ = time_of(top);
    last_key_ = top;
    ++handled_;
    return SimEvent{now_, sequence >> kSlotBits, p.kind, p.target, p.data};
  }

  static constexpr int kSlotBits = 24;
  static constexpr std::uint64_t kSlotMask = (std::uint64_t{1} << kSlotBits) - 1;
  static constexpr std::size_t kArity = 4;

  // (time << 64) | (insertion order << kSlotBits) | payload slot (0 in a FIFO, which keeps the
  // payload beside the key). Times are never negative
  // (the clock starts at 0 and never goes back), and sequences are unique, so comparing keys
  // orders by time, then insertion: one 128-bit comparison, flag arithmetic without branches.
  __extension__ using Key = unsigned __int128;
  struct Payload {
    std::uint32_t kind, target;
    std::uint64_t data;
  };
  // Stores a heap event's payload in a slot; ensures: the slot.
  std::uint64_t store(const Payload& payload) {
    if (free_.empty()) {
      payloads_.push_back(payload);
      return payloads_.size() - 1;
    }
    const std::uint64_t slot = free_.back();
    free_.pop_back();
    payloads_[slot] = payload;
    return slot;
  }
  // Counts the event as pending and gives it its key.
  Key make_key(SimTime time, std::uint64_t slot) {
    if (pending_ >= kMaxPending || next_order_ >= kMaxScheduled) [[unlikely]]
      throw std::length_error("EventQueue: more than 2^24 events pending or 2^40 scheduled");
    ++pending_;
    return static_cast<Key>(static_cast<std::uint64_t>(time)) << 64 | (next_order_++ << kSlotBits | slot);
  }
  static SimTime time_of(Key key) { return static_cast<SimTime>(static_cast<std::uint64_t>(key >> 64)); }

  // Moves the hole at the root down to where `moving` (the former last key) belongs, bottom-up
  // (Floyd): the hole follows the smallest children to a leaf without comparing them with
  // `moving`, which then rises from there. A former last key belongs near the bottom, so the
  // climb is short and each level costs the tournament alone.
  void sift_down(const Key moving) {
    const std::size_t n = keys_.size();
    std::size_t i = 0;
    for (;;) {
      std::size_t child = kArity * i + 1;
      if (child + kArity <= n) {  // a full family: a branch-free tournament of four
        const std::size_t a = child + (keys_[child + 1] < keys_[child]);
        const std::size_t b = child + 2 + (keys_[child + 3] < keys_[child + 2]);
        child = keys_[b] < keys_[a] ? b : a;
      } else if (child < n) {
        for (std::size_t c = child + 1; c < n; ++c)
          if (keys_[c] < keys_[child]) child = c;
      } else {
        break;
      }
      keys_[i] = keys_[child];
      i = child;
    }
    while (i > 0) {
      const std::size_t parent = (i - 1) / kArity;
      if (!(moving < keys_[parent])) break;
      keys_[i] = keys_[parent];
      i = parent;
    }
    keys_[i] = moving;
  }

  struct Timed {
    Key key;
    Payload payload;
  };
  struct TimeoutFifo {
    SimTime delay;
    std::deque<Timed> events;  // in key order: scheduled with a clock that never goes back
    // Keys of cancelled ones not yet counted into handled_, in order; counted (and forgotten)
    // when there are count_at of them, which then doubles what remains (amortised O(1)).
    std::vector<Key> cancelled;
    std::size_t count_at = 64;
  };
  static constexpr Key kNoKey = ~Key{0};  // later than any event: an empty FIFO's head
  static constexpr std::size_t kHeap = ~std::size_t{0};
  struct Earliest {
    Key key;
    std::size_t fifo;  // index into timeouts_, or kHeap for the heap's top
  };
  // requires: !empty().
  Earliest earliest() const {
    if (!keys_.empty() && keys_.front() < earliest_head_.key) return {keys_.front(), kHeap};
    return earliest_head_;
  }
  void count_passed(TimeoutFifo& f) {
    const auto passed = std::upper_bound(f.cancelled.begin(), f.cancelled.end(), last_key_);
    handled_ += static_cast<std::uint64_t>(passed - f.cancelled.begin());
    f.cancelled.erase(f.cancelled.begin(), passed);
    f.count_at = std::max<std::size_t>(64, 2 * f.cancelled.size());
  }
  void find_earliest_head() {
    earliest_head_ = {kNoKey, kHeap};
    for (std::size_t f = 0; f < timeout_heads_.size(); ++f)
      if (timeout_heads_[f] < earliest_head_.key) earliest_head_ = {timeout_heads_[f], f};
  }
  // The cancelled timeouts due by `until` are passed over (nothing pending comes before them).
  void pass_cancelled_through(SimTime until) {
    const Key ceiling = (static_cast<Key>(static_cast<std::uint64_t>(until)) << 64) | ~std::uint64_t{0};
    for (const auto& fifo : timeouts_) {
      auto it = std::upper_bound(fifo.cancelled.begin(), fifo.cancelled.end(), ceiling);
      if (it != fifo.cancelled.begin() && *--it > last_key_) {
        last_key_ = *it;
        now_ = std::max(now_, time_of(*it));
      }
    }
  }
  // FIFO `f`, empty until now, has `key` at its head.
  void new_head(std::size_t f, Key key) {
    timeout_heads_[f] = key;
    if (key < earliest_head_.key) earliest_head_ = {key, f};
  }

  std::vector<Key> keys_;          // the 4-ary heap
  std::vector<TimeoutFifo> timeouts_;
  std::vector<Key> timeout_heads_;  // each FIFO's first key (kNoKey when empty), side by side
  // The earliest of timeout_heads_ (kNoKey, kHeap: none), kept so that a pop from the heap does
  // not search the FIFOs; a pop from a FIFO searches them again.
  Earliest earliest_head_{kNoKey, kHeap};
  std::vector<Payload> payloads_;  // the heap's events', by slot
  std::vector<std::uint32_t> free_;
  std::size_t pending_ = 0;  // in the heap and the FIFOs
  SimTime now_ = 0;
  std::uint64_t next_order_ = 1;  // from 1: no key is 0, last_key_'s "nothing yet"
  std::uint64_t handled_ = 0;
  Key last_key_ = 0;  // of the last event popped or cancelled one passed (those up to it are counted)
};

}  // namespace gatesim::sim
