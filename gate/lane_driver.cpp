#include "gate/lane_driver.hpp"

#include <algorithm>
#include <cassert>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <opencv2/imgcodecs.hpp>

#include "models/input_error.hpp"

namespace gatesim::gate {

namespace asio = boost::asio;

namespace {

// One thread that runs jobs in the order they were posted, and tells the lane's clock while it
// has work. close() drops the jobs not started and lets the thread end after the job under way
// (touching then only the State it shares); release() joins the thread, or detaches it when
// asked not to wait for a job still running (abandoned: it exits when that job returns).
class Worker {
 public:
  explicit Worker(LaneClock& clock) : state_(std::make_shared<State>(clock)) {
    thread_ = std::thread([state = state_] { state->loop(); });
  }
  ~Worker() {
    close();
    release(false);
  }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void post(std::function<void()> job) {
    std::lock_guard lock(state_->mutex);
    if (state_->closed) return;
    if (!state_->active) {
      state_->active = true;
      state_->clock.busy();
    }
    state_->jobs.push_back(std::move(job));
    state_->changed.notify_all();
  }
  // ensures: every job posted so far has finished (or the worker was closed).
  void wait_idle() {
    std::unique_lock lock(state_->mutex);
    state_->changed.wait(lock, [&] { return !state_->active || state_->closed; });
  }
  void close() {
    std::deque<std::function<void()>> dropped;  // destroyed outside the lock
    std::lock_guard lock(state_->mutex);
    state_->closed = true;
    dropped.swap(state_->jobs);
    state_->changed.notify_all();
  }
  // requires: close() was called.
  void release(bool wait_for_job) {
    if (!thread_.joinable()) return;
    bool running = false;
    {
      std::lock_guard lock(state_->mutex);
      running = state_->active;
    }
    if (running && !wait_for_job)
      thread_.detach();  // abandoned: it exits when its job returns
    else
      thread_.join();
  }

 private:
  struct State {
    explicit State(LaneClock& c) : clock(c) {}
    void loop() {
      std::unique_lock lock(mutex);
      for (;;) {
        changed.wait(lock, [&] { return closed || !jobs.empty(); });
        if (closed) return;
        auto job = std::move(jobs.front());
        jobs.pop_front();
        lock.unlock();
        job();
        job = nullptr;  // its captures go before the lock is taken again
        lock.lock();
        if (closed) return;  // abandoned: the clock and the driver may be gone
        if (jobs.empty()) {
          active = false;
          clock.idle();
          changed.notify_all();
        }
      }
    }
    LaneClock& clock;
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<std::function<void()>> jobs;
    bool active = false;  // a job running or queued: counted by the clock as work
    bool closed = false;
  };
  std::shared_ptr<State> state_;
  std::thread thread_;
};

// Every event carries its time; the driver stamps it when the event reaches the controller.
void stamp(Event& event, Time at) {
  std::visit([at](auto& e) { e.at = at; }, event);
}

}  // namespace

struct LaneDriver::Impl {
  // `shares`: `d` owns the devices (shared with an abandoned call); false: it only points to the
  // caller's.
  Impl(GateConfig config, const biometrics::ModelStore& models, std::shared_ptr<LaneDevices> d, bool shares,
       LaneServices& s, AuditLog& a, LaneDriverOptions o)
      : controller(std::move(config)),
        own_analyzer(o.face_pool ? std::nullopt : std::optional<biometrics::FaceAnalyzer>(std::in_place, models, o.detector)),
        analyzer(own_analyzer ? &*own_analyzer : nullptr),
        devices(std::move(d)),
        shares_devices(shares),
        services(s),
        audit(a),
        options(std::move(o)),
        clock(options.clock ? *options.clock : steady_lane_clock()),
        epoch(clock.now()),
        inbox(std::make_shared<Inbox>(this)),
        device_worker(clock),
        service_worker(clock) {
    assert(options.passage_look_every > Duration::zero() && options.watch_detect_every >= 1);
    if (!options.keep_images.empty()) {
      std::error_code error;
      std::filesystem::create_directories(options.keep_images, error);
      if (error || !std::filesystem::is_directory(options.keep_images))
        throw models::InputError(options.keep_images.string() + ": cannot create the image folder: " + error.message());
    }
    // Anti-passback across restarts and lanes: who the audit log saw cleared within the window.
    if (const Duration window = controller.config().passback_window; window > Duration::zero())
      for (auto& earlier : audit.clearances_within(window))
        controller.remember({std::move(earlier.holder_id), now() - earlier.age, std::move(earlier.transaction)});
  }
  ~Impl() {
    inbox->close();  // an abandoned device call's answer goes nowhere from now on
    device_worker.close();
    // Devices held by reference are the caller's: they must outlive the abandoned call, so wait
    // for it; devices the driver shares live as long as the call needs them.
    device_worker.release(!shares_devices);
    service_worker.close();
    service_worker.release(true);
  }

  GateController controller;
  // The face pipeline: the lane's own analyzer, used on the service thread; or, in a bank
  // (options.face_pool), none of its own: with_analyzer() runs the analysis on a pool worker
  // and points `analyzer` at that worker's for the job's duration.
  std::optional<biometrics::FaceAnalyzer> own_analyzer;
  biometrics::FaceAnalyzer* analyzer;
  std::shared_ptr<LaneDevices> devices;
  bool shares_devices = false;  // false: `devices` points to the caller's, without ownership
  LaneServices& services;
  AuditLog& audit;
  LaneDriverOptions options;
  LaneClock& clock;
  devices::Duration epoch;

  asio::io_context io;

  // Where the workers' answers go: to the driver's thread while the driver lives, nowhere once
  // it is gone (an abandoned device call may answer after that). Each answer in flight counts
  // as work for the clock until the driver's thread takes it.
  struct Inbox {
    explicit Inbox(Impl* d) : driver(d) {}
    void post(std::function<void(Impl&)> answer) {
      std::lock_guard lock(mutex);
      if (!driver) return;
      Impl* d = driver;
      d->clock.busy();
      asio::post(d->io, [d, answer = std::move(answer)] {
        d->clock.idle();
        answer(*d);
      });
    }
    void close() {
      std::lock_guard lock(mutex);
      driver = nullptr;
    }
    std::mutex mutex;
    Impl* driver;
  };
  std::shared_ptr<Inbox> inbox;

  // Device calls on one thread, everything else that blocks (face analysis, services, the
  // audit write) on another: a stalled device holds up later device calls only, so the
  // controller's timeout still gets its referral written and the lane on to the next traveller.
  Worker device_worker;
  Worker service_worker;

  std::size_t completed = 0;
  bool no_more_travellers = false;
  bool audit_failing = false;

  // Service-thread state: the last analysed frame's probe, for MatchFace / Identify.
  std::optional<biometrics::FaceDescriptor> probe;
  FrameView last_view;
  std::size_t images_kept = 0;

  Time now() const { return std::chrono::duration_cast<Duration>(clock.now() - epoch); }

  void feed(Event event) {
    stamp(event, now());
    for (auto& action : controller.handle(event)) std::visit([&](auto& a) { act(a); }, action);
    if (controller.state() == LaneState::idle) next_traveller();
  }

  // ---- Timers: Asio steady timers in real time; in virtual time run_virtual() fires them ----
  struct Timer {
    Time due{};
    std::function<void()> fire;
    std::unique_ptr<asio::steady_timer> real;
  };
  std::map<std::uint64_t, Timer> timers;  // by id: the controller's ids, then internal ones
  std::uint64_t next_internal_timer = std::uint64_t{1} << 63;

  void start_timer(std::uint64_t id, Duration after, std::function<void()> fire) {
    Timer timer{now() + after, std::move(fire), nullptr};
    if (!clock.is_virtual()) {
      timer.real = std::make_unique<asio::steady_timer>(io, after);
      timer.real->async_wait([this, id](const boost::system::error_code& error) {
        if (!error) fire_timer(id);  // a cancelled timer is gone from `timers`: nothing fires
      });
    }
    timers.insert_or_assign(id, std::move(timer));
  }
  void fire_timer(std::uint64_t id) {
    const auto it = timers.find(id);
    if (it == timers.end()) return;
    auto fire = std::move(it->second.fire);
    timers.erase(it);
    fire();
  }
  std::optional<Time> next_due() const {
    std::optional<Time> due;
    for (const auto& [id, timer] : timers)
      if (!due || timer.due < *due) due = timer.due;
    return due;
  }
  // Virtual time: the loop of run(). Answers first; when nothing is under way anywhere, time
  // moves to the next timer or device sleeper and the timers due then fire (earliest first,
  // then by id: the order they were started in).
  void run_virtual(VirtualLaneClock& virtual_clock) {
    while (!io.stopped()) {
      if (io.poll_one() > 0) continue;
      if (io.stopped()) break;
      if (virtual_clock.quiet()) {
        const auto due = next_due();
        if (virtual_clock.advance(due ? std::optional(epoch + *due) : std::nullopt)) {
          fire_due_timers();
          continue;
        }
      }
      io.run_one();  // an answer, a wake-up from the clock, or stop()
    }
  }
  void fire_due_timers() {
    for (;;) {
      const Time at = now();
      auto first = timers.end();
      for (auto it = timers.begin(); it != timers.end(); ++it)
        if (it->second.due <= at && (first == timers.end() || it->second.due < first->second.due)) first = it;
      if (first == timers.end() || io.stopped()) return;
      fire_timer(first->first);
    }
  }

  // ---- Work on the threads ----
  // Runs `call(devices)` on the device thread; `then(driver, result)` on the driver's thread.
  // A DeviceFailure goes to `failed(driver, fault)` (default: the controller's DeviceFault);
  // anything else stops the lane. The job holds no pointer to the driver, only the devices and
  // the inbox: it may outlive the driver (see Cancellation in the header).
  static void to_controller(Impl& d, const DeviceFault& fault) { d.feed(fault); }
  template <class Call, class Then, class Failed = decltype(&to_controller)>
  void on_device(Call call, Then then, Failed failed = &to_controller) {
    device_worker.post([devices = devices, inbox = inbox, call = std::move(call), then = std::move(then),
                        failed = std::move(failed)]() mutable {
      try {
        using Result = decltype(call(*devices));
        if constexpr (std::is_void_v<Result>) {
          call(*devices);
          inbox->post([then = std::move(then)](Impl& d) mutable { then(d); });
        } else {
          inbox->post([then = std::move(then), result = call(*devices)](Impl& d) mutable { then(d, std::move(result)); });
        }
      } catch (const DeviceFailure& e) {
        inbox->post([failed = std::move(failed), fault = DeviceFault{{}, e.device(), e.kind(), e.what()}](Impl& d) mutable {
          failed(d, fault);
        });
      } catch (...) {
        inbox->post([error = std::current_exception()](Impl& d) { d.fail(error); });
      }
    });
  }
  // A device call whose event (if any) goes to the controller.
  template <class Call>
  void device_event(Call call) {
    on_device(std::move(call), [](Impl& d, std::optional<Event> event) {
      if (event) d.feed(std::move(*event));
    });
  }
  // A device call whose completion the controller does not wait for.
  template <class Call>
  void device_call(Call call) {
    on_device(std::move(call), [](Impl&) {});
  }

  // Runs `work()` on the service thread; its event (if any) goes to the controller.
  template <class Work>
  void on_service(Work work) {
    service_worker.post([this, work = std::move(work)]() mutable {
      std::optional<Event> event;
      try {
        event = work();
      } catch (...) {
        inbox->post([error = std::current_exception()](Impl& d) { d.fail(error); });
        return;
      }
      if (event) inbox->post([event = std::move(*event)](Impl& d) mutable { d.feed(std::move(event)); });
    });
  }

  void next_traveller() {
    if (no_more_travellers) return;
    // Only one wait at a time: the lane leaves idle as soon as the arrival is fed.
    if (waiting_for_traveller) return;
    waiting_for_traveller = true;
    if (referred_in_view) {  // first the referred traveller must step away (see ViewWatch)
      referred_in_view = false;
      watch_view(ViewWatch{ViewWatch::Purpose::referred, now(), 0, 0});
      return;
    }
    on_device([](LaneDevices& lane) { return lane.next_traveller(); },
              [](Impl& d, bool more) {
                if (!more) {
                  d.travellers_over();
                  return;
                }
                if (d.controller.config().channel == Channel::document_free) {
                  d.await_face();
                } else {
                  d.waiting_for_traveller = false;
                  d.feed(TravellerArrived{});
                }
              },
              [](Impl& d, const DeviceFault&) { d.travellers_over(); });  // the traveller source is gone
  }
  void travellers_over() {
    waiting_for_traveller = false;
    no_more_travellers = true;
    finish_if_done();
  }
  bool waiting_for_traveller = false;
  bool referred_in_view = false;  // a document-free referral: wait for the view to empty first

  // Document-free: nobody presents a document, so a traveller is there when the camera sees a
  // face. Frames without one are dropped (an empty lane is not a referral); the first frame
  // with one opens the transaction and answers its first CaptureFrame. A camera fault while
  // the lane waits goes into the next transaction's record (once per kind of fault) and the
  // camera is tried again after camera_retry.
  void await_face() {
    on_device([](LaneDevices& lane) { return lane.capture_frame(); },
              [](Impl& d, cv::Mat frame) {
                d.on_service([&d, frame]() -> std::optional<Event> {
                  FrameAnalysed seen = d.with_analyzer(
                      [&] { return d.analyse(CaptureFrame{0, Role::traveller, true}, frame, FrameUse::presence); });
                  d.inbox->post([seen = std::move(seen)](Impl& driver) mutable { driver.face_seen(std::move(seen)); });
                  return std::nullopt;
                });
              },
              [](Impl& d, const DeviceFault& fault) { d.camera_failed_while_waiting(fault); });
  }
  void face_seen(FrameAnalysed seen) {
    waiting_for_traveller = false;
    if (seen.face_count == 0) {
      next_traveller();
      return;
    }
    last_idle_fault.clear();
    presence_frame = std::move(seen);
    feed(TravellerArrived{});
  }
  void camera_failed_while_waiting(const DeviceFault& fault) {
    waiting_for_traveller = false;
    if (fault.what != last_idle_fault) {
      last_idle_fault = fault.what;
      feed(fault);  // idle: recorded with the next transaction; feed() looks for the next traveller
      return;
    }
    start_timer(next_internal_timer++, options.camera_retry, [this] { next_traveller(); });
  }
  std::optional<FrameAnalysed> presence_frame;  // the frame that showed the traveller
  std::string last_idle_fault;

  // Anything but a DeviceFailure is a bug or bad data: stop the lane and rethrow from run().
  std::exception_ptr failure;
  void fail(std::exception_ptr error) {
    if (!failure) failure = error;
    io.stop();
  }

  void finish_if_done() {
    if (no_more_travellers && controller.state() == LaneState::idle) {
      timers.clear();
      io.stop();
    }
  }

  // ---- Actions ----
  void act(const ReadDocument& a) {
    device_event([a](LaneDevices& lane) -> std::optional<Event> {
      auto reading = lane.read_document(a.role);
      return DocumentRead{{}, a.request, std::move(reading.document), std::move(reading.problem)};
    });
  }
  void act(const CheckPolicy& a) {
    on_service([this, a]() -> std::optional<Event> {
      PolicyChecked verdict = services.check_policy(a);
      verdict.request = a.request;
      return verdict;
    });
  }
  void act(const CaptureFrame& a) {
    if (presence_frame) {
      FrameAnalysed seen = std::move(*presence_frame);
      presence_frame.reset();
      seen.request = a.request;
      inbox->post([seen = std::move(seen)](Impl& d) { d.feed(seen); });
      return;
    }
    on_device([](LaneDevices& lane) { return lane.capture_frame(); },
              [a](Impl& d, cv::Mat frame) {
                d.on_service([&d, a, frame]() -> std::optional<Event> {
                  return d.with_analyzer([&] { return d.analyse(a, frame); });
                });
              });
  }
  void act(const MatchFace& a) {
    on_service([this, a]() -> std::optional<Event> {
      if (!probe) return std::nullopt;  // cannot happen: MatchFace follows a frame with a probe
      const auto templates = services.enrolled_faces(a.holder_id);
      double best = std::numeric_limits<double>::infinity();
      for (const auto& t : templates) best = std::min(best, biometrics::descriptor_distance(t, *probe));
      show_score(templates.empty() ? std::nullopt : std::optional(best));
      return FaceMatched{{}, a.request, !templates.empty(), templates.empty() ? 0.0 : best};
    });
  }
  void act(const Identify& a) {
    on_service([this, a]() -> std::optional<Event> {
      if (!probe) return std::nullopt;
      IdentificationDone done = services.identify(a, *probe);
      done.request = a.request;
      show_score(done.best ? std::optional(done.best->distance) : std::nullopt);
      return done;
    });
  }
  void act(const CaptureFingerprint& a) {
    device_event([a](LaneDevices& lane) -> std::optional<Event> {
      return FingerprintResult{{}, a.request, lane.capture_fingerprint(a.holder_id)};
    });
  }
  void act(const StartTimer& a) {
    start_timer(a.id, a.duration, [this, id = a.id] { feed(TimerFired{{}, id}); });
  }
  void act(const CancelTimer& a) { timers.erase(a.id); }  // destroying a steady timer cancels its wait
  void act(const ShowIndicator& a) {
    device_call([a](LaneDevices& lane) { lane.show(a.signal); });
  }
  void act(const WriteAudit& a) {
    on_service([this, a]() -> std::optional<Event> {
      AuditWritten written{{}, a.request, true, ""};
      try {
        audit.append(*a.outcome);
      } catch (const std::exception& e) {
        written.ok = false;
        written.problem = e.what();
      }
      inbox->post([written, outcome = a.outcome](Impl& d) { d.audit_answered(written, *outcome); });
      return std::nullopt;
    });
  }
  // Fail closed: an unwritten record is a referral (the controller's rule), and the operator
  // hears at once that the lane can clear nobody, and again when it can.
  void audit_answered(const AuditWritten& written, const TransactionOutcome& outcome) {
    if (!written.ok && !audit_failing && options.diagnostics)
      *options.diagnostics << "lane: the audit log cannot be written (" << written.problem
                           << "): no barrier opens, every traveller is referred until it can" << std::endl;
    if (written.ok && audit_failing && options.diagnostics)
      *options.diagnostics << "lane: the audit log is written again (" << audit.file().string()
                           << "): the lane clears travellers again" << std::endl;
    audit_failing = !written.ok;
    feed(written);
    // The controller has recorded the clearance of each holder it let through (its own rule);
    // the bank's other lanes hear of it too.
    if (written.ok && outcome.decision == Decision::cleared && options.on_clearance && controller.config().passback_window > Duration::zero())
      for (const auto& person : outcome.people)
        if (!person.holder_id.empty()) options.on_clearance(person.holder_id, "#" + std::to_string(outcome.transaction));
  }
  void act(const OpenBarrier&) {
    barrier_open = true;
    on_device(
        [](LaneDevices& lane) {
          lane.open_barrier();
          return lane.await_passage();
        },
        [](Impl& d, std::optional<int> people) {
          if (people)
            d.feed(TravellerPassed{{}, *people});
          else
            d.watch_view(ViewWatch{ViewWatch::Purpose::passage, d.now(), 0, 0});
        });
  }
  void act(const CloseBarrier&) {
    barrier_open = false;
    device_call([](LaneDevices& lane) { lane.close_barrier(); });
  }
  void act(const RecordIncident& a) {
    on_service([this, a]() -> std::optional<Event> {
      try {
        audit.append_incident(a.transaction, a.what);
      } catch (const AuditError& e) {
        device_call([what = std::string(e.what())](LaneDevices& lane) { lane.alarm(what); });
      }
      return std::nullopt;
    });
  }

  // ---- Watching the camera until nobody stands in view ----
  // Two watches look the same way. The passage (a lane without an exit sensor): after the
  // barrier opened, the cleared traveller has gone once no face has been in view for
  // passage_clear; then TravellerPassed. A referred traveller (document-free lanes, with
  // referred_must_leave): a face still in view is the person just referred, so the next
  // transaction starts only once no face has been in view for passage_clear (they stepped
  // away, to the counter or to try again); without this wait the lane would try the same
  // person again at once, every frame. Either way every look within passage_clear must be
  // face-free: a face seen resets the time, so a detector that misses the face in one frame
  // (or a few, shorter than passage_clear) does not end the watch. And there must have been
  // as many face-free looks as passage_clear has looks at passage_look_every (at least one):
  // a busy lane whose looks come late waits longer rather than judging on fewer frames (a
  // file camera, read one frame per look, gets the same verdict however fast the machine is).
  //
  // Only near faces count, for both watches: a face whose box is at least tailgate_near of the
  // height of the face the traveller showed at the face step (box height falls with distance
  // from the camera: 0.5 is within about twice the traveller's distance). The next traveller
  // waiting further back neither holds the lane nor counts as a tailgater. Tailgating (the
  // passage only, while the barrier is open): `people` is the most near faces in one frame;
  // someone right behind the traveller counts. A camera facing the arrivals cannot see someone
  // who enters its view only after the traveller has left it: that is the exit sensor's job
  // (--passage sim:/tcp:/tls:).
  //
  // What a look costs. A full detection (HOG over the whole frame) is most of it, and a watch
  // may look for as long as a traveller stands there. So, unless people are to be counted (the
  // passage while the barrier is open: a tailgater may be anywhere in the frame), a look
  // follows the near face of the last look (biometrics::FaceFollower: HOG on a region around
  // it, a fraction of the cost). A followed near face holds the watch as a detected one does;
  // a look is face-free only when a full detection says so: when following finds no near face
  // the look is detected in full, so a look counts as face-free on a full detection's word
  // only. Following does not care who the face is (any near face holds the lane), and every
  // watch_detect_every-th look is detected in full anyway, so a region that keeps showing
  // something the full detection does not see (following latched on a false detection) holds
  // the lane no longer than that. With follow_face false every look is detected in full.
  //
  // A camera fault ends either watch (recorded with the next transaction): a lane that
  // cannot see cannot wait for anyone.
  struct ViewWatch {
    enum class Purpose { passage, referred };
    Purpose purpose = Purpose::passage;
    Time last_face{};  // when a face was last in view (the watch's start counts as one)
    int face_free_looks = 0;  // since then
    int people = 0;
    int looks = 0;
  };
  // ensures: the face-free looks that clear a watch (see above).
  long looks_to_clear() const {
    return std::max<long>(1, (options.passage_clear + options.passage_look_every - Duration{1}) / options.passage_look_every);
  }
  bool barrier_open = false;
  bool watching(const ViewWatch& watch) const {
    return watch.purpose == ViewWatch::Purpose::passage ? controller.state() == LaneState::passing
                                                        : controller.state() == LaneState::idle;
  }
  void watch_view(ViewWatch watch) {
    if (!watching(watch)) return;
    on_device([](LaneDevices& lane) { return lane.capture_frame(); },
              [watch](Impl& d, cv::Mat frame) {
                const Time taken = d.now();  // the look's time is the frame's, not the analysis's
                const bool count_people = watch.purpose == ViewWatch::Purpose::passage && d.barrier_open;
                d.on_service([&d, watch, frame, taken, count_people]() -> std::optional<Event> {
                  const int near = d.with_analyzer([&] { return d.look(frame, watch.looks == 0, count_people); });
                  d.inbox->post([watch, taken, near](Impl& driver) mutable { driver.view_seen(watch, taken, near); });
                  return std::nullopt;
                });
              },
              [watch](Impl& d, const DeviceFault& fault) {
                if (watch.purpose == ViewWatch::Purpose::referred) {
                  d.waiting_for_traveller = false;
                  d.feed(fault);  // idle: kept for the next record; feed() looks for the next traveller
                  return;
                }
                d.feed(fault);
                if (d.controller.state() == LaneState::passing) d.feed(TravellerPassed{{}, watch.people});
              });
  }
  // Service thread: whether `face` is near enough to be in the passage (see above).
  bool near(const biometrics::DetectedFace& face) const {
    return face.box.height() >= options.tailgate_near * traveller_face_height;
  }
  // Service thread: one look of a watch (`first`: its first); how many near faces it shows.
  // A full detection (boxes only: a watch needs no landmarks) on every look that counts people
  // and on every watch_detect_every-th; otherwise the near face of the last look is followed
  // (see above), and a full detection only when following finds no near face.
  int look(const cv::Mat& frame, bool first, bool count_people) {
    ++counts.watch_looks;
    if (first) watch_follower.forget();
    if (!count_people && options.follow_face && watch_follower.following() &&
        follows_since_detection + 1 < options.watch_detect_every) {
      if (const auto face = watch_follower.follow(*analyzer, frame); face && near(*face)) {
        ++counts.watch_followed;
        ++follows_since_detection;
        return 1;
      }
      ++counts.watch_follow_lost;
    }
    const auto faces = analyzer->detect_boxes(frame);
    ++counts.watch_detections;
    follows_since_detection = 0;
    int near_count = 0;
    const biometrics::DetectedFace* nearest = nullptr;  // the largest near face: the one followed
    for (const auto& face : faces) {
      if (!near(face)) continue;
      ++near_count;
      if (!nearest || face.box.height() > nearest->box.height()) nearest = &face;
    }
    if (nearest)
      watch_follower.start(*nearest);
    else
      watch_follower.forget();
    return near_count;
  }
  // The next look is paced by a timer, never taken at once: every passage_look_every (or at the
  // moment the watch can end, when that comes first). A camera that answers at once would
  // otherwise be asked again and again while no time passes (on a virtual clock, time moves
  // only when nothing is under way: the lane would spin).
  void view_seen(ViewWatch watch, Time taken, int near) {
    if (!watching(watch)) return;
    ++watch.looks;
    const bool face = near > 0;
    if (face) {
      watch.last_face = taken;
      watch.face_free_looks = 0;
    } else {
      ++watch.face_free_looks;
    }
    if (watch.purpose == ViewWatch::Purpose::passage && barrier_open) watch.people = std::max(watch.people, near);
    const Time clear_at = watch.last_face + options.passage_clear;
    if (!face && taken >= clear_at && watch.face_free_looks >= looks_to_clear()) {
      if (watch.purpose == ViewWatch::Purpose::passage) {
        feed(TravellerPassed{{}, watch.people});
      } else {
        waiting_for_traveller = false;
        next_traveller();
      }
      return;
    }
    const Duration wait =
        face || taken >= clear_at ? options.passage_look_every : std::min(options.passage_look_every, clear_at - taken);
    start_timer(next_internal_timer++, wait, [this, watch] { watch_view(watch); });
  }
  void act(const Refer&) {}  // the reasons reach the traveller through go_to_counter and the outcome
  void act(const RaiseAlarm& a) {
    device_call([a](LaneDevices& lane) { lane.alarm(a.what); });
  }
  void act(const Completed& a) {
    ++completed;
    referred_in_view = options.referred_must_leave && controller.config().channel == Channel::document_free &&
                       a.outcome->decision != Decision::cleared;
    if (options.on_outcome) options.on_outcome(*a.outcome);
    finish_if_done();
  }

  // ---- Face analysis (service thread) ----
  // ensures: f() run with `analyzer` set: here with the lane's own, or as one job of the bank's
  //          face pool (the service thread waits for it, so the lane's state below is used by
  //          one thread at a time).
  template <class F>
  auto with_analyzer(F f) -> decltype(f()) {
    if (!options.face_pool) return f();
    std::optional<decltype(f())> result;
    options.face_pool->run([&](biometrics::FaceAnalyzer& pooled) {
      pooled.set_options(options.detector);
      analyzer = &pooled;
      struct Release {
        biometrics::FaceAnalyzer*& used;
        ~Release() { used = nullptr; }
      } release{analyzer};
      result.emplace(f());
    });
    return std::move(*result);
  }
  FrameAnalysis fresh;  // the last frame's, without a memo
  // want_probe false (a liveness-only frame): the descriptor, the costly part, is not computed.
  const FrameAnalysis& analysis_of(const cv::Mat& frame, bool want_probe) {
    FrameMemo* memo = options.frame_memo.get();
    if (memo) {
      if (FrameAnalysis* known = memo->find(frame)) {
        if (want_probe && !known->probe && known->quality && known->quality->acceptable) {
          known->probe = analyzer->describe(frame, known->faces[known->largest]);
          memo->probe_added();
        }
        return *known;
      }
    }
    FrameAnalysis a;
    a.faces = analyzer->detect(frame);
    ++counts.full_detections;
    if (!a.faces.empty()) {
      // The largest face is the one at the gate; others only count (tailgating, the ward).
      const auto largest = std::max_element(a.faces.begin(), a.faces.end(), [](const auto& x, const auto& y) {
        return x.box.width() * x.box.height() < y.box.width() * y.box.height();
      });
      a.largest = static_cast<std::size_t>(largest - a.faces.begin());
      a.quality = biometrics::assess_face(frame, *largest, options.quality);
      if (want_probe && a.quality->acceptable) {
        a.probe = analyzer->describe(frame, *largest);
        ++counts.descriptors;
      }
    }
    if (!memo) return fresh = std::move(a);
    return memo->remember(frame, std::move(a));
  }

  // ---- Following the matched face through the liveness-only frames ----
  // Once the face matched, the step's further frames are for liveness only. Instead of a full
  // detection each (dlib's HOG over the whole frame, the bulk of a frame's cost) the face is
  // followed from the previous frame's box (biometrics::FaceFollower: HOG on a region around
  // it). Following proves the face stayed in place from frame to frame, not who it is, so the
  // matched face's descriptor (`holder`, the probe of the step's last full frame) is compared
  // again with the face of (1) every frame where following was lost and a full detection found a
  // face: someone else may have stepped in; a face that is not the holder's gives the liveness
  // detector nothing and is not followed; (2) the followed frame whose measurements make the
  // liveness verdict live: the face judged live must be the face that matched, or a face swapped
  // in at the same place (a photo taken away from before a face) would be; when it is not, the
  // liveness detector starts again (what it measured was on a chain of frames that ended on
  // another face). One descriptor per face step in the common case (the frame that decides),
  // instead of a full detection per frame. Not with a FrameMemo (benches of unrelated still
  // images, already analysed once each).
  // biometrics::FaceFollower on whichever analyzer runs the frame (the box it follows from is
  // the lane's, the analyzer may be a different pool worker's each frame).
  struct Follower {
    biometrics::FollowSettings settings;
    std::optional<biometrics::DetectedFace> last;
    bool following() const { return last.has_value(); }
    void forget() { last.reset(); }
    void start(const biometrics::DetectedFace& face) { last = face; }
    std::optional<biometrics::DetectedFace> follow(biometrics::FaceAnalyzer& analyzer, const cv::Mat& frame) {
      biometrics::FaceFollower follower(analyzer, settings);
      follower.start(*last);
      auto face = follower.follow(frame);
      last = face;
      return face;
    }
  };
  Follower follower{options.follow, std::nullopt};
  // The camera's watches follow the near face of their last look the same way (see look()).
  Follower watch_follower{options.follow, std::nullopt};
  int follows_since_detection = 0;
  std::optional<biometrics::FaceDescriptor> holder;
  // The height of the largest face in the face step's last frame with one: how big a face
  // near enough to be in the passage looks (ViewWatch); 0 until a traveller has shown one.
  double traveller_face_height = 0;
  LaneDriver::FaceCounts counts;
  const double same_face_threshold = controller.config().match_threshold;
  const biometrics::LivenessConfig liveness_config = controller.config().liveness;

  // ensures: the distance from `face` to the holder's face, when it is someone else.
  std::optional<double> someone_else(const cv::Mat& frame, const biometrics::DetectedFace& face) {
    ++counts.identity_checks;
    ++counts.descriptors;
    if (!holder) return std::numeric_limits<double>::infinity();  // no matched face to be
    const double distance = biometrics::descriptor_distance(*holder, analyzer->describe(frame, face));
    if (distance < same_face_threshold) return std::nullopt;
    ++counts.identity_mismatches;
    return distance;
  }
  static std::string not_the_holder(double distance, double threshold) {
    char text[96];
    std::snprintf(text, sizeof text, "not the matched face (distance %.3f >= %.3f)", distance, threshold);
    return text;
  }

  // A frame of the empty lane (FrameUse::presence, no face) is never kept.
  enum class FrameUse { transaction, presence };
  FrameAnalysed analyse(const CaptureFrame& request, const cv::Mat& frame, FrameUse use = FrameUse::transaction) {
    FrameAnalysed result{{}, request.request, 0, false, {}, ""};
    if (request.first || use == FrameUse::presence) {
      if (options.liveness) options.liveness->restart();
      follower.forget();
      holder.reset();
    }
    const bool following = request.liveness_only && options.follow_face && !options.frame_memo;
    FrameAnalysis followed;
    if (following && follower.following()) {
      if (auto face = follower.follow(*analyzer, frame)) {
        ++counts.followed;
        followed.quality = biometrics::assess_face(frame, *face, options.quality);
        followed.faces.push_back(std::move(*face));
      } else {
        ++counts.follow_lost;
      }
    }
    const bool was_followed = !followed.faces.empty();
    const FrameAnalysis& analysis = was_followed ? followed : analysis_of(frame, !request.liveness_only);
    if (!request.liveness_only) {
      probe = analysis.probe;
      if (probe) holder = probe;
    } else {
      probe.reset();
    }
    result.face_count = static_cast<int>(analysis.faces.size());
    if (use == FrameUse::transaction && !analysis.faces.empty())
      traveller_face_height = analysis.faces[analysis.largest].box.height();
    last_view = FrameView{frame, request.role, analysis.faces, analysis.quality, std::nullopt};
    if (analysis.faces.empty()) {
      result.quality_reasons.push_back("no face");
    } else {
      const biometrics::DetectedFace& face = analysis.faces[analysis.largest];
      std::optional<double> stranger;
      if (following && !was_followed) stranger = someone_else(frame, face);
      if (stranger) {
        follower.forget();
      } else {
        follower.start(face);
        // Liveness follows the frames in order, so it is observed on every frame (never remembered).
        if (options.liveness) result.liveness = options.liveness->observe(frame, face);
        if (was_followed && result.liveness &&
            biometrics::judge_liveness(*result.liveness, liveness_config, 0.0, false).live() &&
            (stranger = someone_else(frame, face))) {
          follower.forget();
          options.liveness->restart();
          result.liveness = biometrics::LivenessMeasurements{};
        }
      }
      last_view.liveness = result.liveness;
      result.quality_ok = !stranger && analysis.quality->acceptable;
      result.quality_reasons = stranger ? std::vector{not_the_holder(*stranger, same_face_threshold)}
                                        : analysis.quality->reasons;
    }
    if (!options.keep_images.empty() && !(use == FrameUse::presence && analysis.faces.empty())) {
      const auto path = options.keep_images / ("frame-" + std::to_string(++images_kept) + ".jpg");
      if (cv::imwrite(path.string(), frame)) result.image_path = path.string();
    }
    if (options.on_frame) post_view();
    return result;
  }
  void show_score(std::optional<double> distance) {
    last_view.distance = distance;
    if (options.on_frame) post_view();
  }
  void post_view() {
    inbox->post([view = last_view](Impl& d) { d.options.on_frame(view); });
  }
};

LaneDriver::LaneDriver(GateConfig config, const biometrics::ModelStore& models, LaneDevices& devices,
                       LaneServices& services, AuditLog& audit, LaneDriverOptions options)
    : impl_(std::make_unique<Impl>(std::move(config), models,
                                   std::shared_ptr<LaneDevices>(std::shared_ptr<LaneDevices>(), &devices), false,
                                   services, audit, std::move(options))) {}

LaneDriver::LaneDriver(GateConfig config, const biometrics::ModelStore& models, std::shared_ptr<LaneDevices> devices,
                       LaneServices& services, AuditLog& audit, LaneDriverOptions options)
    : impl_(std::make_unique<Impl>(std::move(config), models, std::move(devices), true, services, audit,
                                   std::move(options))) {}

LaneDriver::~LaneDriver() = default;

const LaneDriver::FaceCounts& LaneDriver::face_counts() const { return impl_->counts; }

void LaneDriver::remember(std::string holder_id, std::string transaction) {
  asio::post(impl_->io, [d = impl_.get(), holder_id = std::move(holder_id), transaction = std::move(transaction)]() mutable {
    d->controller.remember({std::move(holder_id), d->now(), std::move(transaction)});
  });
}

void LaneDriver::stop() {
  asio::post(impl_->io, [d = impl_.get()] { d->io.stop(); });
}

std::size_t LaneDriver::run() {
  auto& d = *impl_;
  // The io_context has nothing of its own to do while the threads are busy: keep it running
  // until finish_if_done(), fail() or stop() stops it.
  auto busy = asio::make_work_guard(d.io);
  asio::post(d.io, [&d] { d.next_traveller(); });
  if (d.clock.is_virtual()) {
    auto& virtual_clock = static_cast<VirtualLaneClock&>(d.clock);
    // When the last work stops, the loop may be waiting for an answer: wake it to look again.
    virtual_clock.on_quiet([&d] { asio::post(d.io, [] {}); });
    // Removed however run_virtual() ends (a callback may throw): the hook must not outlive the
    // run, and removing it wakes a device call asleep on the clock.
    struct QuietHook {
      VirtualLaneClock& clock;
      ~QuietHook() { clock.on_quiet({}); }
    } hook{virtual_clock};
    d.run_virtual(virtual_clock);
  } else {
    d.io.run();
  }
  d.timers.clear();
  // Our own work (face analysis, services, the audit write) always returns: let it finish, so
  // nothing runs on the driver's state once run() is over. A device call is not waited for.
  d.device_worker.close();
  d.service_worker.wait_idle();
  if (d.failure) std::rethrow_exception(d.failure);
  return d.completed;
}

}  // namespace gatesim::gate
