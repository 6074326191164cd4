#include "sim/realtime.hpp"

#include <algorithm>
#include <cassert>
#include <mutex>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace gatesim::sim {

// Where posted work goes, from any thread: the run's io_context while it runs.
struct RealtimePacer::Mailbox {
  std::mutex mutex;
  boost::asio::io_context* io = nullptr;
  std::function<void(Work)> deliver;  // set by run(), on its thread
};

RealtimePacer::RealtimePacer(double speed, std::function<void(const RealtimeStatus&)> status)
    : speed_(speed), status_(std::move(status)), mailbox_(std::make_shared<Mailbox>()) {
  assert(speed > 0);
}

RealtimePacer::~RealtimePacer() = default;

RealtimePacer::Poster RealtimePacer::poster() const {
  return [mailbox = mailbox_](Work work) {
    std::lock_guard lock(mailbox->mutex);
    if (!mailbox->io) return;  // not running: dropped
    boost::asio::post(*mailbox->io, [mailbox, work = std::move(work)] { mailbox->deliver(work); });
  };
}

// One steady timer waits for the next event (or the next status line); posted work enters at
// the wall clock's simulated time.
void RealtimePacer::run(PacedSimulation& simulation) {
  using Clock = std::chrono::steady_clock;
  boost::asio::io_context io;
  boost::asio::steady_timer timer(io);
  // However the run ends (posted work's failure, a bad trace row), later work is dropped.
  struct Close {
    Mailbox& mailbox;
    ~Close() {
      std::lock_guard lock(mailbox.mutex);
      mailbox.io = nullptr;
    }
  } close{*mailbox_};
  const auto wall_start = Clock::now();
  auto next_status = wall_start;
  double behind_s = 0, max_behind_s = 0;
  const auto simulated_now = [&] {
    return seconds(std::chrono::duration<double>(Clock::now() - wall_start).count() * speed_);
  };
  const auto wall_at = [&](SimTime t) {
    return wall_start +
           std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(to_seconds(t) / speed_));
  };
  std::function<void()> step = [&] {
    const auto woke = Clock::now();
    if (const auto due = simulation.next_event(); due && !simulation.finished()) {
      // Late by this much: the earliest event's wall time has passed (catch up: all at once).
      behind_s = std::max(0.0, std::chrono::duration<double>(woke - wall_at(*due)).count());
      max_behind_s = std::max(max_behind_s, behind_s);
    }
    simulation.advance(simulated_now());
    const auto now = Clock::now();
    if (status_ && (now >= next_status || simulation.finished())) {
      RealtimeStatus st = simulation.status();
      st.wall_s = std::chrono::duration<double>(now - wall_start).count();
      st.behind_s = behind_s;
      st.max_behind_s = max_behind_s;
      status_(st);
      next_status = now + std::chrono::seconds(1);
    }
    if (simulation.finished()) {
      timer.cancel();
      return;
    }
    auto wake = next_status;
    if (const auto due = simulation.next_event()) wake = std::min(wake, wall_at(*due));
    timer.expires_at(wake);  // cancels the wait armed before, if any
    timer.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) step();
    });
  };
  {
    std::lock_guard lock(mailbox_->mutex);
    mailbox_->io = &io;
    mailbox_->deliver = [&](const Work& work) {
      const SimTime at = simulated_now();
      simulation.advance(at);
      const auto due = simulation.next_event();
      simulation.advance_clock(due ? std::min(at, *due) : at);
      work(at);
      step();
    };
  }
  step();
  io.run();
}

}  // namespace gatesim::sim
