#include "gate/lane_driver.hpp"

#include <algorithm>
#include <limits>
#include <map>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <opencv2/imgcodecs.hpp>

#include "models/input_error.hpp"

namespace gatesim::gate {

namespace asio = boost::asio;

struct LaneDriver::Impl {
  Impl(GateConfig config, const biometrics::ModelStore& models, LaneDevices& d, LaneServices& s, AuditLog& a,
       LaneDriverOptions o)
      : controller(std::move(config)),
        analyzer(models, o.detector),
        devices(d),
        services(s),
        audit(a),
        options(std::move(o)) {
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

  GateController controller;
  biometrics::FaceAnalyzer analyzer;  // used on the service thread only
  LaneDevices& devices;
  LaneServices& services;
  AuditLog& audit;
  LaneDriverOptions options;

  asio::io_context io;
  // Device calls on one thread, everything else that blocks (face analysis, services, the
  // audit write) on another: a stalled device holds up later device calls only, so the
  // controller's timeout still gets its referral written and the lane on to the next traveller.
  asio::thread_pool device_thread{1};
  asio::thread_pool service_thread{1};
  std::chrono::steady_clock::time_point epoch = std::chrono::steady_clock::now();
  std::map<std::uint64_t, std::unique_ptr<asio::steady_timer>> timers;
  std::size_t completed = 0;
  bool no_more_travellers = false;

  // Service-thread state: the last analysed frame's probe, for MatchFace / Identify.
  std::optional<biometrics::FaceDescriptor> probe;
  FrameView last_view;
  std::size_t images_kept = 0;

  Time now() const {
    return std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - epoch);
  }

  void feed(const Event& event) {
    for (auto& action : controller.handle(event)) std::visit([&](auto& a) { act(a); }, action);
    if (controller.state() == LaneState::idle) next_traveller();
  }

  // Runs `work` on `thread`; its event (or a DeviceFault) is fed back on the io thread.
  template <class Work>
  void on(asio::thread_pool& thread, Work work) {
    asio::post(thread, [this, work = std::move(work)]() mutable { deliver(work); });
  }
  template <class Work>
  void deliver(Work& work) {
    std::optional<Event> event;
    try {
      event = work();
    } catch (const DeviceFailure& e) {
      event = DeviceFault{now(), e.device(), e.what()};
    } catch (...) {
      fail(std::current_exception());
      return;
    }
    if (event) asio::post(io, [this, event = std::move(*event)] { feed(event); });
  }
  // A device call whose completion the controller does not wait for.
  template <class Call>
  void device_call(Call call) {
    on(device_thread, [call = std::move(call)]() mutable -> std::optional<Event> {
      call();
      return std::nullopt;
    });
  }

  void next_traveller() {
    if (no_more_travellers) return;
    // Only one wait at a time: the lane leaves idle as soon as the arrival is fed.
    if (waiting_for_traveller) return;
    waiting_for_traveller = true;
    asio::post(device_thread, [this] {
      bool more = false;
      try {
        more = devices.next_traveller();
      } catch (const DeviceFailure&) {
        more = false;  // the traveller source is gone: the run ends
      } catch (...) {
        fail(std::current_exception());
        return;
      }
      asio::post(io, [this, more] {
        if (!more) {
          waiting_for_traveller = false;
          no_more_travellers = true;
          finish_if_done();
          return;
        }
        if (controller.config().channel == Channel::document_free) {
          await_face();
        } else {
          waiting_for_traveller = false;
          feed(TravellerArrived{now()});
        }
      });
    });
  }
  bool waiting_for_traveller = false;

  // Document-free: nobody presents a document, so a traveller is there when the camera sees a
  // face. Frames without one are dropped (an empty lane is not a referral); the first frame
  // with one opens the transaction and answers its first CaptureFrame. A camera fault while
  // the lane waits goes into the next transaction's record (once per kind of fault) and the
  // camera is tried again after camera_retry.
  void await_face() {
    asio::post(device_thread, [this] {
      cv::Mat frame;
      try {
        frame = devices.capture_frame();
      } catch (const DeviceFailure& e) {
        asio::post(io, [this, fault = DeviceFault{now(), e.device(), e.what()}] { camera_failed_while_waiting(fault); });
        return;
      } catch (...) {
        fail(std::current_exception());
        return;
      }
      asio::post(service_thread, [this, frame] {
        FrameAnalysed seen;
        try {
          seen = analyse(CaptureFrame{0, Role::traveller, true}, frame, FrameUse::presence);
        } catch (...) {
          fail(std::current_exception());
          return;
        }
        asio::post(io, [this, seen = std::move(seen)]() mutable {
          waiting_for_traveller = false;
          if (seen.face_count == 0) {
            next_traveller();
            return;
          }
          last_idle_fault.clear();
          presence_frame = std::move(seen);
          feed(TravellerArrived{now()});
        });
      });
    });
  }
  void camera_failed_while_waiting(const DeviceFault& fault) {
    waiting_for_traveller = false;
    if (fault.what != last_idle_fault) {
      last_idle_fault = fault.what;
      feed(fault);  // idle: recorded with the next transaction; feed() looks for the next traveller
      return;
    }
    retry_timer.expires_after(options.camera_retry);
    retry_timer.async_wait([this](const boost::system::error_code& error) {
      if (!error) next_traveller();
    });
  }
  std::optional<FrameAnalysed> presence_frame;  // the frame that showed the traveller
  std::string last_idle_fault;
  asio::steady_timer retry_timer{io};

  // Anything but a DeviceFailure is a bug or bad data: stop the lane and rethrow from run().
  std::exception_ptr failure;
  void fail(std::exception_ptr error) {
    asio::post(io, [this, error] {
      if (!failure) failure = error;
      io.stop();
    });
  }

  void finish_if_done() {
    if (no_more_travellers && controller.state() == LaneState::idle) {
      timers.clear();
      io.stop();
    }
  }

  // ---- Actions ----
  void act(const ReadDocument& a) {
    on(device_thread, [this, a]() -> std::optional<Event> {
      auto reading = devices.read_document(a.role);
      return DocumentRead{now(), a.request, std::move(reading.document), std::move(reading.problem)};
    });
  }
  void act(const CheckPolicy& a) {
    on(service_thread, [this, a]() -> std::optional<Event> {
      PolicyChecked verdict = services.check_policy(a);
      verdict.at = now();
      verdict.request = a.request;
      return verdict;
    });
  }
  void act(const CaptureFrame& a) {
    if (presence_frame) {
      FrameAnalysed seen = std::move(*presence_frame);
      presence_frame.reset();
      seen.request = a.request;
      asio::post(io, [this, seen = std::move(seen)] { feed(seen); });
      return;
    }
    on(device_thread, [this, a]() -> std::optional<Event> {
      on(service_thread, [this, a, frame = devices.capture_frame()]() -> std::optional<Event> { return analyse(a, frame); });
      return std::nullopt;
    });
  }
  void act(const MatchFace& a) {
    on(service_thread, [this, a]() -> std::optional<Event> {
      if (!probe) return std::nullopt;  // cannot happen: MatchFace follows a frame with a probe
      const auto templates = services.enrolled_faces(a.holder_id);
      double best = std::numeric_limits<double>::infinity();
      for (const auto& t : templates) best = std::min(best, biometrics::descriptor_distance(t, *probe));
      show_score(templates.empty() ? std::nullopt : std::optional(best));
      return FaceMatched{now(), a.request, !templates.empty(), templates.empty() ? 0.0 : best};
    });
  }
  void act(const Identify& a) {
    on(service_thread, [this, a]() -> std::optional<Event> {
      if (!probe) return std::nullopt;
      IdentificationDone done = services.identify(*probe);
      done.at = now();
      done.request = a.request;
      show_score(done.best ? std::optional(done.best->distance) : std::nullopt);
      return done;
    });
  }
  void act(const CaptureFingerprint& a) {
    on(device_thread, [this, a]() -> std::optional<Event> {
      return FingerprintResult{now(), a.request, devices.capture_fingerprint(a.holder_id)};
    });
  }
  void act(const StartTimer& a) {
    auto timer = std::make_unique<asio::steady_timer>(io, a.duration);
    timer->async_wait([this, id = a.id](const boost::system::error_code& error) {
      if (error) return;  // cancelled
      timers.erase(id);
      feed(TimerFired{now(), id});
    });
    timers[a.id] = std::move(timer);
  }
  void act(const CancelTimer& a) { timers.erase(a.id); }  // destroying a timer cancels its wait
  void act(const ShowIndicator& a) {
    device_call([this, a] { devices.show(a.signal); });
  }
  void act(const WriteAudit& a) {
    on(service_thread, [this, a]() -> std::optional<Event> {
      try {
        audit.append(*a.outcome);
        return AuditWritten{now(), a.request, true, ""};
      } catch (const std::exception& e) {
        return AuditWritten{now(), a.request, false, e.what()};
      }
    });
  }
  void act(const OpenBarrier&) {
    barrier_open = true;
    on(device_thread, [this]() -> std::optional<Event> {
      devices.open_barrier();
      if (const auto people = devices.await_passage()) return TravellerPassed{now(), *people};
      asio::post(io, [this] { watch_passage(PassageWatch{now()}); });
      return std::nullopt;
    });
  }
  void act(const CloseBarrier&) {
    barrier_open = false;
    device_call([this] { devices.close_barrier(); });
  }
  void act(const RecordIncident& a) {
    on(service_thread, [this, a]() -> std::optional<Event> {
      try {
        audit.append_incident(a.transaction, a.what);
      } catch (const AuditError& e) {
        device_call([this, what = std::string(e.what())] { devices.alarm(what); });
      }
      return std::nullopt;
    });
  }

  // ---- Passage without an exit sensor: the camera is watched (io thread) ----
  // Clear once the frames have shown no face for passage_clear; `people` counts the most faces
  // seen in one frame while the barrier was open. A camera fault ends the watch (recorded with
  // the next transaction): a lane that cannot see cannot wait for anyone.
  struct PassageWatch {
    Time last_face{};
    int people = 0;
    bool face_free = false;  // the last frame showed no face
  };
  bool barrier_open = false;
  void watch_passage(PassageWatch watch) {
    if (controller.state() != LaneState::passing) return;
    asio::post(device_thread, [this, watch] {
      cv::Mat frame;
      try {
        frame = devices.capture_frame();
      } catch (const DeviceFailure& e) {
        asio::post(io, [this, watch, fault = DeviceFault{now(), e.device(), e.what()}] {
          feed(fault);
          if (controller.state() == LaneState::passing) feed(TravellerPassed{now(), watch.people});
        });
        return;
      } catch (...) {
        fail(std::current_exception());
        return;
      }
      asio::post(service_thread, [this, watch, frame]() mutable {
        int faces = 0;
        try {
          faces = static_cast<int>(analyzer.detect(frame).size());
        } catch (...) {
          fail(std::current_exception());
          return;
        }
        asio::post(io, [this, watch, faces]() mutable {
          if (controller.state() != LaneState::passing) return;
          const Time at = now();
          watch.face_free = faces == 0;
          if (faces > 0) watch.last_face = at;
          if (barrier_open) watch.people = std::max(watch.people, faces);
          if (watch.face_free && at - watch.last_face >= options.passage_clear)
            feed(TravellerPassed{at, watch.people});
          else
            watch_passage(watch);
        });
      });
    });
  }
  void act(const Refer&) {}  // the reasons reach the traveller through go_to_counter and the outcome
  void act(const RaiseAlarm& a) {
    device_call([this, a] { devices.alarm(a.what); });
  }
  void act(const Completed& a) {
    ++completed;
    if (options.on_outcome) options.on_outcome(*a.outcome);
    finish_if_done();
  }

  // ---- Face analysis (service thread) ----
  // A frame of the empty lane (FrameUse::presence, no face) is never kept.
  enum class FrameUse { transaction, presence };
  FrameAnalysed analyse(const CaptureFrame& request, const cv::Mat& frame, FrameUse use = FrameUse::transaction) {
    FrameAnalysed result{{}, request.request, 0, false, {}, ""};
    probe.reset();
    if (options.liveness && (request.first || use == FrameUse::presence)) options.liveness->restart();
    auto faces = analyzer.detect(frame);
    result.face_count = static_cast<int>(faces.size());
    last_view = FrameView{frame, request.role, faces, std::nullopt, std::nullopt};
    if (faces.empty()) {
      result.quality_reasons.push_back("no face");
    } else {
      // The largest face is the one at the gate; others only count (tailgating, the ward).
      const auto largest = std::max_element(faces.begin(), faces.end(), [](const auto& a, const auto& b) {
        return a.box.width() * a.box.height() < b.box.width() * b.box.height();
      });
      if (options.liveness) last_view.liveness = result.liveness = options.liveness->observe(frame, *largest);
      const auto quality = biometrics::assess_face(frame, *largest, options.quality);
      last_view.quality = quality;
      result.quality_ok = quality.acceptable;
      result.quality_reasons = quality.reasons;
      if (quality.acceptable && !request.liveness_only) probe = analyzer.describe(frame, *largest);
    }
    if (!options.keep_images.empty() && !(use == FrameUse::presence && faces.empty())) {
      const auto path = options.keep_images / ("frame-" + std::to_string(++images_kept) + ".jpg");
      if (cv::imwrite(path.string(), frame)) result.image_path = path.string();
    }
    result.at = now();
    if (options.on_frame) post_view();
    return result;
  }
  void show_score(std::optional<double> distance) {
    last_view.distance = distance;
    if (options.on_frame) post_view();
  }
  void post_view() {
    asio::post(io, [this, view = last_view] { options.on_frame(view); });
  }
};

LaneDriver::LaneDriver(GateConfig config, const biometrics::ModelStore& models, LaneDevices& devices,
                       LaneServices& services, AuditLog& audit, LaneDriverOptions options)
    : impl_(std::make_unique<Impl>(std::move(config), models, devices, services, audit, std::move(options))) {}

LaneDriver::~LaneDriver() {
  impl_->device_thread.join();
  impl_->service_thread.join();
}

std::size_t LaneDriver::run() {
  auto& d = *impl_;
  d.io.restart();
  // The io_context has nothing of its own to do while the threads are busy: keep it running
  // until finish_if_done() or fail() stops it.
  auto busy = asio::make_work_guard(d.io);
  asio::post(d.io, [&d] { d.next_traveller(); });
  d.io.run();
  d.device_thread.wait();
  d.service_thread.wait();
  if (d.failure) std::rethrow_exception(d.failure);
  return d.completed;
}

}  // namespace gatesim::gate
