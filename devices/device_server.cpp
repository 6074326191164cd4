#include "devices/device_server.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <atomic>
#include <bit>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <tuple>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <opencv2/imgcodecs.hpp>

#include "devices/remote_link.hpp"
#include "devices/tls.hpp"
#include "models/input_error.hpp"

namespace gatesim::devices {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// The devices and what the device thread alone reads and writes.
struct DeviceState {
  ServedDevices devices;
  RemoteOptions options;
  bool reopen = false;  // the camera failed: reopen it at the next frame request
  std::atomic<std::uint64_t> frames{0};
  std::array<std::atomic<std::uint64_t>, 4> faults{};  // by FaultKind

  [[noreturn]] static void not_served(const std::string& what) {
    throw DeviceFault(FaultKind::disconnected, "device-server", "no " + what + " is served here");
  }

  // An answer larger than the client accepts is the device's fault, not the connection's.
  void check_size(const std::string& payload, const std::string& what) const {
    if (payload.size() + 1 > options.max_message_bytes)
      throw DeviceFault(FaultKind::corrupt, "device-server", what + " larger than the limit");
  }

  // The answer to one request, as a message.
  std::string answer(const Request& request) {
    try {
      switch (request.type) {
        case MessageType::frame_request: return frame();
        case MessageType::touch_request: return touch(request.holder_id);
        case MessageType::passage_request: return passage();
        default: return document();
      }
    } catch (const DeviceFault& fault) {
      const auto kind = static_cast<std::size_t>(fault.kind());
      if (kind < faults.size()) ++faults[kind];
      if (request.type == MessageType::frame_request)
        reopen = fault.kind() == FaultKind::disconnected || fault.kind() == FaultKind::timeout;
      return fault_message(fault.kind(), fault.what());
    }
  }

  std::string frame() {
    if (!devices.camera) not_served("camera");
    if (reopen) {
      devices.camera->close();
      devices.camera->open();
      reopen = false;
    }
    const Frame frame = devices.camera->read();
    std::vector<unsigned char> jpeg;
    cv::imencode(".jpg", frame.image, jpeg, {cv::IMWRITE_JPEG_QUALITY, options.jpeg_quality});
    std::string payload;
    put_u64(payload, static_cast<std::uint64_t>(frame.timestamp.count()));
    put_u64(payload, frame.sequence);
    payload.append(jpeg.begin(), jpeg.end());
    check_size(payload, "frame");
    ++frames;
    return envelope(MessageType::frame, payload);
  }

  std::string touch(const std::string& holder_id) {
    if (!devices.fingerprint) not_served("fingerprint reader");
    const FingerprintReading reading = devices.fingerprint->verify(holder_id);
    std::string payload(1, static_cast<char>(reading.status));
    put_u64(payload, std::bit_cast<std::uint64_t>(reading.score));
    return envelope(MessageType::touch, payload);
  }

  std::string passage() {
    if (!devices.passage) not_served("exit sensor");
    const int people = devices.passage->await_clear();
    if (people < 0 || people > kMaxPassagePeople)
      throw DeviceFault(FaultKind::corrupt, "device-server",
                        "the exit sensor counted " + std::to_string(people) + " people, expected 0-" +
                            std::to_string(kMaxPassagePeople));
    return envelope(MessageType::passage, std::string(1, static_cast<char>(people)));
  }

  std::string document() {
    if (!devices.documents) not_served("document reader");
    const std::optional<ChipRecord> record = devices.documents->read();
    if (!record) return envelope(MessageType::no_document, "");
    check_size(record->text, "document");
    return envelope(MessageType::document, record->text);
  }
};

// The device thread: runs device calls one at a time in the order given. It can be abandoned
// in a call that does not return (see the header): it owns what it uses.
class DeviceThread {
 public:
  void start() {
    thread_ = std::thread([this] { run(); });
  }
  void post(std::function<void()> job) {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
    wake_.notify_one();
  }
  // ensures: no further job starts; the thread joined if idle, else left to end after its call.
  // requires: `self` owns this object (the abandoned thread keeps it alive through it).
  static void stop(const std::shared_ptr<DeviceThread>& self) {
    bool busy = false;
    {
      std::lock_guard lock(self->mutex_);
      self->stopping_ = true;
      self->jobs_.clear();
      busy = self->in_call_;
      if (busy) self->keep_alive_ = self;  // released by the thread itself when its call returns
      self->wake_.notify_one();
    }
    if (!self->thread_.joinable()) return;
    if (busy) self->thread_.detach();
    else self->thread_.join();
  }

 private:
  void run() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
        if (stopping_) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
        in_call_ = true;
      }
      job();
      std::shared_ptr<DeviceThread> self;  // set when abandoned: the last owner, released last
      std::lock_guard lock(mutex_);
      in_call_ = false;
      if (stopping_) {
        self = std::move(keep_alive_);
        job = nullptr;
        return;
      }
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false, in_call_ = false;
  std::thread thread_;
  std::shared_ptr<DeviceThread> keep_alive_;
};

enum class State { handshake, idle, reading, working, writing };

struct Session {
  Session(tcp::socket socket, asio::ssl::context* tls, asio::io_context& io)
      : link(std::move(socket), tls), deadline(io) {}
  Link link;
  asio::steady_timer deadline;
  State state = State::handshake;
  std::uint64_t entered = 0;  // states entered: a deadline set for an earlier one is void
  bool closed = false;
  std::chrono::steady_clock::time_point since = std::chrono::steady_clock::now();  // in this state
  std::string client;  // the certificate's common name (TLS); empty for plain TCP
  bool answered = false;  // an answer was written: a plain session past its first request is a known lane
  std::array<unsigned char, 4> header{};
  std::string body, reply;
};

}  // namespace

struct DeviceServer::Impl : std::enable_shared_from_this<DeviceServer::Impl> {
  ServerOptions options;
  std::shared_ptr<DeviceState> state;
  std::shared_ptr<DeviceThread> device_thread = std::make_shared<DeviceThread>();
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread thread;
  std::vector<std::shared_ptr<Session>> sessions;  // open, on the network thread only
  std::atomic<std::size_t> open{0};
  std::atomic<std::uint64_t> requests{0}, accepted{0}, refused{0}, evicted{0}, idle_closed{0}, read_timeouts{0},
      slow_readers{0}, bad_messages{0}, handshakes_failed{0}, touches_refused{0};
  std::atomic<std::uint64_t> left{0};  // sessions the client ended, or stop() did (not counted)
  std::uint16_t port = 0;

  Impl(ServedDevices d, ServerOptions o) : options(std::move(o)), state(std::make_shared<DeviceState>()) {
    state->devices = std::move(d);
    state->options = options.remote;
  }

  void accept() {
    acceptor.async_accept([this](boost::system::error_code error, tcp::socket socket) {
      if (error) return;  // stopped
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      if (sessions.size() >= options.limits.max_sessions && !make_room()) {
        ++refused;
        socket.close(ignored);
      } else {
        start(std::make_shared<Session>(std::move(socket), options.tls.get(), io));
      }
      accept();
    });
  }

  // Closes a session waiting for a handshake or a request to make room: first one not yet known
  // (in its TLS handshake, or plain and not past its first request), so a flood of connections
  // that never authenticate cannot push out a lane; a known idle lane only when there is none.
  // Within each, the one that has waited longest. A session at work or writing is never closed.
  bool make_room() {
    const auto waiting = [](const Session& s) { return s.state == State::handshake || s.state == State::idle; };
    // Known: authenticated (TLS past its handshake) or answered (plain).
    const auto known = [](const Session& s) {
      return s.state != State::handshake && (s.link.is_tls() || s.answered);
    };
    // The first to close: waiting, not known, waiting longest.
    const auto rank = [&](const std::shared_ptr<Session>& s) { return std::tuple(!waiting(*s), known(*s), s->since); };
    const auto first = std::min_element(sessions.begin(), sessions.end(),
                                        [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
    if (first == sessions.end() || !waiting(**first)) return false;
    const std::shared_ptr<Session> victim = *first;  // end() erases it from `sessions`
    end(victim, evicted);
    return true;
  }

  void end(const std::shared_ptr<Session>& session, std::atomic<std::uint64_t>& reason) {
    if (session->closed) return;
    session->closed = true;
    // Counted before the socket closes: whoever sees the close sees the counts that explain it.
    std::erase(sessions, session);
    open = sessions.size();
    ++reason;
    session->link.close();
    session->deadline.cancel();
  }
  void enter(const std::shared_ptr<Session>& session, State next) {
    session->state = next;
    const std::uint64_t entered = ++session->entered;
    session->since = std::chrono::steady_clock::now();
    std::atomic<std::uint64_t>* reason = nullptr;
    std::chrono::milliseconds limit{};
    switch (next) {
      case State::handshake: reason = &read_timeouts, limit = options.limits.read_timeout; break;
      case State::idle: reason = &idle_closed, limit = options.limits.idle_timeout; break;
      case State::reading: reason = &read_timeouts, limit = options.limits.read_timeout; break;
      case State::writing: reason = &slow_readers, limit = options.limits.write_timeout; break;
      case State::working: session->deadline.cancel(); return;  // the device's own time
    }
    session->deadline.expires_after(limit);
    session->deadline.async_wait([this, session, reason, entered](boost::system::error_code error) {
      if (!error && session->entered == entered) end(session, *reason);
    });
  }

  void start(std::shared_ptr<Session> session) {
    ++accepted;
    sessions.push_back(session);
    open = sessions.size();
    enter(session, State::handshake);
    session->link.async_handshake(asio::ssl::stream_base::server, [this, session](boost::system::error_code error) {
      if (session->closed) return;
      if (error) return end(session, handshakes_failed);
      if (session->link.is_tls()) session->client = peer_common_name(session->link.ssl()).value_or("");
      serve(session);
    });
  }

  void serve(const std::shared_ptr<Session>& session) {
    enter(session, State::idle);
    session->link.async_read(asio::buffer(session->header), [this, session](auto error, std::size_t) {
      if (session->closed) return;
      if (error) return end(session, left);
      const std::uint32_t length = length_of(session->header);
      if (length == 0 || length > kMaxRequestBytes) return end(session, bad_messages);
      session->body.assign(length, '\0');
      enter(session, State::reading);
      session->link.async_read(asio::buffer(session->body), [this, session](auto e, std::size_t) {
        if (session->closed) return;
        if (e) return end(session, left);
        Request request;
        try {
          request = decode_request(session->body);
        } catch (const models::InputError&) {
          return end(session, bad_messages);
        }
        work(session, request);
      });
    });
  }

  // Over TLS, a touch only for the lanes this reader belongs to (see the header).
  std::optional<std::string> refusal(const Session& session, const Request& request) const {
    if (request.type != MessageType::touch_request || !session.link.is_tls() || !state->devices.fingerprint ||
        options.fingerprint_clients.contains(session.client))
      return std::nullopt;
    return "client '" + session.client + "' may not verify fingerprints here (allowed: " +
           [&] {
             std::string names;
             for (const auto& n : options.fingerprint_clients) names += (names.empty() ? "" : ", ") + n;
             return names.empty() ? std::string("none") : names;
           }() +
           ")";
  }

  void work(const std::shared_ptr<Session>& session, const Request& request) {
    if (const auto why = refusal(*session, request)) {
      ++touches_refused;
      const DeviceFault refusal_fault(FaultKind::disconnected, "device-server", *why);
      return answer(session, fault_message(refusal_fault.kind(), refusal_fault.what()));
    }
    enter(session, State::working);
    // The device thread owns what it uses: the device state and weak handles to this server
    // and the session, which may be gone when the device answers.
    device_thread->post([state = state, request, server = weak_from_this(), weak = std::weak_ptr<Session>(session)] {
      std::string reply = state->answer(request);
      if (const auto impl = server.lock())
        asio::post(impl->io, [impl = impl.get(), weak, reply = std::move(reply)]() mutable {
          if (const auto s = weak.lock(); s && !s->closed) impl->answer(s, std::move(reply));
        });
    });
  }

  void answer(const std::shared_ptr<Session>& session, std::string reply) {
    ++requests;
    session->reply = std::move(reply);
    enter(session, State::writing);
    session->link.async_write(asio::buffer(session->reply), [this, session](auto error, std::size_t) {
      if (session->closed) return;
      if (error) return end(session, left);
      session->answered = true;
      serve(session);
    });
  }
};

DeviceServer::DeviceServer(ServedDevices devices, tcp::endpoint listen, ServerOptions options)
    : impl_(std::make_shared<Impl>(std::move(devices), std::move(options))) {
  assert(impl_->options.limits.max_sessions > 0);
  boost::system::error_code error;
  impl_->acceptor.open(listen.protocol(), error);
  if (!error) impl_->acceptor.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) impl_->acceptor.bind(listen, error);
  if (!error) impl_->acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error)
    throw DeviceFault(FaultKind::disconnected, "device-server",
                      "cannot listen on " + listen.address().to_string() + ":" + std::to_string(listen.port()) + " (" +
                          error.message() + ")");
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->accept();
  impl_->device_thread->start();
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

DeviceServer::~DeviceServer() { stop(); }

std::uint16_t DeviceServer::port() const { return impl_->port; }

void DeviceServer::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->io.stop();
  impl_->thread.join();
  // The network thread is gone: its objects are this thread's now.
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
  for (const auto& session : std::vector(impl_->sessions)) impl_->end(session, impl_->left);
  DeviceThread::stop(impl_->device_thread);
}

std::uint64_t DeviceServer::frames_served() const { return impl_->state->frames; }
std::uint64_t DeviceServer::requests_served() const { return impl_->requests; }
std::uint64_t DeviceServer::faults_served(FaultKind kind) const {
  const auto k = static_cast<std::size_t>(kind);
  return k < impl_->state->faults.size() ? impl_->state->faults[k].load() : 0;
}
std::size_t DeviceServer::sessions() const { return impl_->open; }

SessionCounts DeviceServer::counts() const {
  const Impl& i = *impl_;
  return {i.accepted,          i.refused,    i.evicted,           i.idle_closed,    i.read_timeouts,
          i.slow_readers,      i.bad_messages, i.handshakes_failed, i.touches_refused};
}

}  // namespace gatesim::devices
