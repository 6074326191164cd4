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

PaceControl::PaceControl(double speed) : state_{speed, false} { assert(speed > 0); }

void PaceControl::pause() {
  {
    std::lock_guard lock(mutex_);
    state_.paused = true;
  }
  changed();
}

void PaceControl::resume() {
  {
    std::lock_guard lock(mutex_);
    state_.paused = false;
  }
  changed();
}

void PaceControl::set_speed(double speed) {
  assert(speed > 0);
  {
    std::lock_guard lock(mutex_);
    state_.speed = speed;
  }
  changed();
}

PaceControl::State PaceControl::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

void PaceControl::changed() {
  std::lock_guard lock(mutex_);
  if (wake_) wake_();
}

RealtimePacer::RealtimePacer(double speed, std::function<void(const RealtimeStatus&)> status, std::shared_ptr<PaceControl> control)
    : status_(std::move(status)),
      control_(control ? std::move(control) : std::make_shared<PaceControl>(speed)),
      mailbox_(std::make_shared<Mailbox>()) {
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
// the wall clock's simulated time. The schedule is a line through an anchor: simulated time
// `anchor_sim` at wall time `anchor_wall`, going `speed` simulated seconds a wall second (not
// going while paused). A pause or a new speed draws a new line from where the old one was, so
// the simulated clock never jumps and a pause is not counted as lateness.
void RealtimePacer::run(PacedSimulation& simulation) {
  using Clock = std::chrono::steady_clock;
  boost::asio::io_context io;
  boost::asio::steady_timer timer(io);
  bool done = false;
  // However the run ends (posted work's failure, a bad trace row), later work is dropped.
  struct Close {
    Mailbox& mailbox;
    PaceControl& control;
    ~Close() {
      {
        std::lock_guard lock(mailbox.mutex);
        mailbox.io = nullptr;
      }
      std::lock_guard lock(control.mutex_);
      control.wake_ = nullptr;
    }
  } close{*mailbox_, *control_};
  const auto wall_start = Clock::now();
  auto next_status = wall_start;
  double behind_s = 0, max_behind_s = 0;
  PaceControl::State pace = control_->state();
  auto anchor_wall = wall_start;
  double anchor_sim = 0;  // simulated seconds at anchor_wall
  const auto simulated_at = [&](Clock::time_point wall) {
    if (pace.paused) return anchor_sim;
    return anchor_sim + std::chrono::duration<double>(wall - anchor_wall).count() * pace.speed;
  };
  const auto simulated_now = [&] { return seconds(simulated_at(Clock::now())); };
  // requires: not paused.
  const auto wall_at = [&](SimTime t) {
    return anchor_wall + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>((to_seconds(t) - anchor_sim) / pace.speed));
  };
  // Obeys the control: a new line through where the schedule is now.
  const auto obey = [&](Clock::time_point now) {
    const auto asked = control_->state();
    if (asked.speed == pace.speed && asked.paused == pace.paused) return;
    anchor_sim = simulated_at(now);
    anchor_wall = now;
    pace = asked;
  };
  std::function<void()> step = [&] {
    if (done) return;
    const auto woke = Clock::now();
    obey(woke);
    behind_s = 0;
    if (const auto due = simulation.next_event(); due && !simulation.finished() && !pace.paused) {
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
      done = true;
      timer.cancel();
      return;
    }
    auto wake = next_status;
    if (const auto due = simulation.next_event(); due && !pace.paused) wake = std::min(wake, wall_at(*due));
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
  {
    std::lock_guard lock(control_->mutex_);
    control_->wake_ = [&io, &step] { boost::asio::post(io, [&step] { step(); }); };
  }
  step();
  io.run();
}

}  // namespace gatesim::sim
