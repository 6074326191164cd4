#include "web/http_server.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <atomic>
#include <cassert>
#include <csignal>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <pthread.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "models/input_error.hpp"
#include "web/metrics.hpp"

namespace gatesim::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ws = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
// A connection is one of these two; the sessions below are written once for both.
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

namespace {

// requires: `expected` not empty. Takes as long whatever `given` holds, for a given length.
bool equal_in_constant_time(std::string_view given, std::string_view expected) {
  unsigned char differ = given.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i)
    differ |= static_cast<unsigned char>((i < given.size() ? given[i] : 0) ^ expected[i]);
  return differ == 0;
}

// The value of `name` in a query string "a=1&token=x" (no percent-decoding: a token's characters
// are all unreserved, web::valid_token, so nobody encodes them).
std::optional<std::string_view> query_value(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name && pair[name.size()] == '=')
      return pair.substr(name.size() + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// The host part of a Host header value ("127.0.0.1:8080" -> "127.0.0.1", "[::1]:80" -> "::1").
std::string_view host_part(std::string_view host) {
  if (host.starts_with('[')) {
    const auto close = host.find(']');
    return close == std::string_view::npos ? std::string_view{} : host.substr(1, close - 1);
  }
  return host.substr(0, host.rfind(':'));
}

// DNS rebinding: a page from another site reaches this server through a name of its own that
// it made resolve to this address; its requests then carry that name as Host. A Host that is an
// IP address or "localhost" cannot have been rebound, so only those are served.
bool host_allowed(std::string_view host) {
  const auto name = host_part(host);
  if (name.empty()) return false;
  if (equal_ignoring_case(name, "localhost")) return true;
  boost::system::error_code ec;
  asio::ip::make_address(std::string(name), ec);
  return !ec;
}

// A browser names the page that made a request in Origin (always on a WebSocket upgrade): a
// page of this server has the origin http://HOST (HOST the Host header); any other is another
// site's page (cross-site WebSocket hijacking). Programs that send no Origin are not browsers.
bool origin_allowed(std::string_view origin, std::string_view host) {
  if (origin.empty()) return true;
  for (std::string_view scheme : {"http://", "https://"})
    if (origin.size() == scheme.size() + host.size() && equal_ignoring_case(origin.substr(0, scheme.size()), scheme) &&
        equal_ignoring_case(origin.substr(scheme.size()), host))
      return true;
  return false;
}

}  // namespace

// What the server's push() sees of a WebSocket session, whichever its stream.
class WebSocketClient {
 public:
  virtual ~WebSocketClient() = default;
  // Sends `message` now, or keeps it as the one waiting message (dropping an older one).
  virtual void send(std::shared_ptr<const std::string> message) = 0;
};

struct HttpServer::Impl {
  explicit Impl(HttpServerOptions o) : options(std::move(o)) {}

  HttpServerOptions options;
  struct Route {
    Handler handler;
    Access access;
  };
  std::map<std::string, Route, std::less<>> routes;
  std::map<std::string, PostHandler, std::less<>> post_routes;
  std::string websocket_path;
  std::function<std::string()> snapshot;

  std::atomic<std::uint64_t> requests{0}, refused{0}, sent{0}, dropped{0}, snapshot_failures{0}, notify_posts{0}, accept_failures{0},
      tls_refused{0};
  std::atomic<bool> notify_pending{false};
  std::atomic<std::size_t> open_connections{0}, websocket_clients{0}, max_held_bytes{0};
  Counter* requests_counter[6] = {};  // by status class: 1xx..5xx (index 1..5)
  Counter *refused_counter = nullptr, *sent_counter = nullptr, *dropped_counter = nullptr, *tls_refused_counter = nullptr;
  Gauge *connections_gauge = nullptr, *clients_gauge = nullptr;

  // Below: used on the server thread only. The io_context is declared last so that it (and the
  // sessions its pending handlers own) goes first.
  std::vector<std::weak_ptr<WebSocketClient>> sessions;
  bool push_armed = false, dirty = false;
  Clock::time_point last_push{};
  std::uint16_t bound_port = 0;
  std::thread thread;
  std::atomic<bool> stopped{false};
  asio::io_context io;
  tcp::acceptor acceptor{io};
  asio::steady_timer push_timer{io};
  asio::steady_timer accept_retry{io};

  void accept();
  void schedule_push();
  void push();
  // ensures: the snapshot; null when the snapshot function threw (counted in snapshot_failures:
  //          an exception must not leave the server's thread, which would end the program).
  std::shared_ptr<const std::string> take_snapshot() {
    try {
      return std::make_shared<const std::string>(snapshot());
    } catch (const std::exception&) {
      ++snapshot_failures;
      return nullptr;
    }
  }
  void count_request(unsigned status) {
    ++requests;
    if (requests_counter[status / 100 % 6]) requests_counter[status / 100 % 6]->add();
  }
  void connection_opened() {
    const auto n = ++open_connections;
    if (connections_gauge) connections_gauge->set(static_cast<double>(n));
  }
  void connection_closed() {
    const auto n = --open_connections;
    if (connections_gauge) connections_gauge->set(static_cast<double>(n));
  }
  void tls_refusal() {
    ++tls_refused;
    if (tls_refused_counter) tls_refused_counter->add();
  }
  void held(std::size_t bytes) {
    auto seen = max_held_bytes.load();
    while (bytes > seen && !max_held_bytes.compare_exchange_weak(seen, bytes)) {
    }
  }
  bool authorised(std::string_view authorization, std::string_view query) const {
    if (options.token.empty()) return true;
    constexpr std::string_view bearer = "Bearer ";
    if (authorization.size() > bearer.size() && authorization.substr(0, bearer.size()) == bearer &&
        equal_in_constant_time(authorization.substr(bearer.size()), options.token))
      return true;
    const auto token = query_value(query, "token");
    return token && equal_in_constant_time(*token, options.token);
  }
};

// One connection's slot in Options::max_connections, given back when the connection ends.
class ConnectionSlot {
 public:
  explicit ConnectionSlot(HttpServer::Impl* server) : server_(server) { server_->connection_opened(); }
  ~ConnectionSlot() {
    if (server_) server_->connection_closed();
  }
  ConnectionSlot(ConnectionSlot&& other) noexcept : server_(std::exchange(other.server_, nullptr)) {}
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(ConnectionSlot&&) = delete;
  HttpServer::Impl& server() const { return *server_; }

 private:
  HttpServer::Impl* server_;
};

template <class Stream>
class WebSocketSession : public WebSocketClient, public std::enable_shared_from_this<WebSocketSession<Stream>> {
 public:
  WebSocketSession(Stream stream, ConnectionSlot slot)
      : ws_(std::move(stream)), slot_(std::move(slot)), deadline_(ws_.get_executor()) {}
  ~WebSocketSession() {
    if (open_) {
      const auto n = --slot_.server().websocket_clients;
      if (slot_.server().clients_gauge) slot_.server().clients_gauge->set(static_cast<double>(n));
    }
  }

  void accept(http::request<http::string_body> request) {
    beast::get_lowest_layer(ws_).expires_never();  // the websocket's own timeouts from here on
    ws::stream_base::timeout timeout{};
    timeout.handshake_timeout = std::chrono::seconds(10);
    timeout.idle_timeout = std::chrono::seconds(30);
    timeout.keep_alive_pings = true;
    ws_.set_option(timeout);
    ws_.read_message_max(1024);
    ws_.async_accept(request, [self = this->shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
  }

  void send(std::shared_ptr<const std::string> message) override {
    if (!open_) return;
    if (writing_) {
      if (waiting_) {
        ++slot_.server().dropped;
        if (slot_.server().dropped_counter) slot_.server().dropped_counter->add();
      }
      waiting_ = std::move(message);
      slot_.server().held(writing_->size() + waiting_->size());
      return;
    }
    write(std::move(message));
  }

  void close() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) return;
    open_ = true;
    auto& server = slot_.server();
    const auto n = ++server.websocket_clients;
    if (server.clients_gauge) server.clients_gauge->set(static_cast<double>(n));
    server.sessions.push_back(std::weak_ptr<WebSocketClient>(this->shared_from_this()));
    read();
    if (auto message = server.take_snapshot()) send(std::move(message));
  }
  void read() {
    ws_.async_read(incoming_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->incoming_.consume(self->incoming_.size());
      self->read();
    });
  }
  void write(std::shared_ptr<const std::string> message) {
    writing_ = std::move(message);
    slot_.server().held(writing_->size());
    deadline_.expires_after(slot_.server().options.write_timeout);
    deadline_.async_wait([weak = this->weak_from_this()](beast::error_code ec) {
      if (ec) return;  // cancelled: the write finished
      if (auto self = weak.lock()) self->close();
    });
    ws_.text(true);
    ws_.async_write(asio::buffer(*writing_), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->deadline_.cancel();
      self->writing_.reset();
      if (ec) {
        self->waiting_.reset();
        return self->close();
      }
      ++self->slot_.server().sent;
      if (self->slot_.server().sent_counter) self->slot_.server().sent_counter->add();
      if (self->waiting_) self->write(std::move(self->waiting_));
    });
  }

  ws::stream<Stream> ws_;
  ConnectionSlot slot_;
  asio::steady_timer deadline_;
  beast::flat_buffer incoming_;
  std::shared_ptr<const std::string> writing_, waiting_;
  bool open_ = false;
};

template <class Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  template <class... StreamArgs>
  HttpSession(ConnectionSlot slot, StreamArgs&&... stream)
      : stream_(std::forward<StreamArgs>(stream)...), slot_(std::move(slot)), buffer_(slot_.server().options.max_request_bytes) {}

  // Plain: reads the first request. TLS: first the handshake (a client speaking plain HTTP
  // instead is told, in plain HTTP, to use https://), then the first request.
  void start() {
    if constexpr (!kTls) {
      read();
    } else {
      beast::get_lowest_layer(stream_).expires_after(slot_.server().options.request_timeout);
      beast::async_detect_ssl(beast::get_lowest_layer(stream_), buffer_,
                              [self = this->shared_from_this()](beast::error_code ec, bool tls) { self->on_detect(ec, tls); });
    }
  }

 private:
  void on_detect(beast::error_code ec, bool tls) {
    if (ec) return close();
    if (!tls) {
      slot_.server().tls_refusal();
      // A small answer fits the socket's buffer: written at once, never waiting on the client.
      static constexpr std::string_view plain =
          "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 54\r\nConnection: close\r\n\r\n"
          "this dashboard speaks HTTPS only: open it as https://\n";
      static_assert(plain.size() - plain.find("\r\n\r\n") - 4 == 54);
      auto& socket = beast::get_lowest_layer(stream_).socket();
      beast::error_code ignored;
      socket.non_blocking(true, ignored);
      socket.write_some(asio::buffer(plain.data(), plain.size()), ignored);
      return shutdown_plain();
    }
    if constexpr (kTls) {
      stream_.async_handshake(asio::ssl::stream_base::server, buffer_.data(),
                              [self = this->shared_from_this()](beast::error_code hs, std::size_t used) {
                                if (hs) {
                                  self->slot_.server().tls_refusal();
                                  return self->close();
                                }
                                self->buffer_.consume(used);
                                self->read();
                              });
    }
  }

 public:
  void read() {
    parser_.emplace();
    const auto limit = slot_.server().options.max_request_bytes;
    parser_->header_limit(static_cast<std::uint32_t>(limit));
    parser_->body_limit(limit);
    beast::get_lowest_layer(stream_).expires_after(slot_.server().options.request_timeout);
    http::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

 private:
  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == asio::error::eof || ec == asio::ssl::error::stream_truncated)
      return close();
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
      return respond(error(431, "request header fields too large"), false);
    if (ec == http::error::body_limit) return respond(error(413, "request body too large"), false);
    if (ec) return respond(error(400, "bad request: " + ec.message()), false);

    auto request = parser_->release();
    auto& server = slot_.server();
    const std::string_view target(request.target().data(), request.target().size());
    const auto question = target.find('?');
    const std::string_view path = target.substr(0, question);
    const std::string_view query = question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
    if (!target.starts_with('/')) return respond(error(400, "bad request: the target is not a path"), false);
    const auto post_route = request.method() == http::verb::post ? server.post_routes.find(path) : server.post_routes.end();
    const bool post = post_route != server.post_routes.end();
    if (request.method() != http::verb::get && !post)
      return respond(error(405, "method not allowed: this server is read-only"), false);
    const auto host_field = request[http::field::host];
    const std::string_view host(host_field.data(), host_field.size());
    if (host.empty()) return respond(error(400, "bad request: no Host header"), false);
    if (!host_allowed(host))
      return respond(error(403, "forbidden: Host " + std::string(host) + " is not an IP address or localhost (open the dashboard by "
                                "its address; a name could be another site's, rebound to this one)"), false);
    const auto origin_field = request[http::field::origin];
    const std::string_view origin(origin_field.data(), origin_field.size());
    if (!origin_allowed(origin, host))
      return respond(error(403, "forbidden: a page of another site (Origin " + std::string(origin) + ")"), false);
    const auto route = server.routes.find(path);
    const bool open = !post && route != server.routes.end() && route->second.access == Access::open && !ws::is_upgrade(request);
    const auto authorization = request[http::field::authorization];
    if (!open && !server.authorised(std::string_view(authorization.data(), authorization.size()), query))
      return respond(error(401, "unauthorised: give the token (Authorization: Bearer TOKEN or ?token=TOKEN)"), false);
    if (post) {
      const auto type = request[http::field::content_type];
      const std::string_view media(type.data(), std::min(type.size(), type.find(';')));
      if (!equal_ignoring_case(media, "application/json"))
        return respond(error(415, "unsupported media type: the body must be JSON (Content-Type: application/json)"), false);
      HttpResponse answer;
      try {
        answer = post_route->second(request.body());
      } catch (const std::exception& e) {
        answer = error(500, std::string("internal error: ") + e.what());
      }
      return respond(std::move(answer), request.keep_alive());
    }
    if (ws::is_upgrade(request)) {
      if (server.snapshot && path == server.websocket_path) {
        auto session = std::make_shared<WebSocketSession<Stream>>(std::move(stream_), std::move(slot_));
        session->accept(std::move(request));
        return;
      }
      return respond(error(404, "not found"), false);
    }
    if (route == server.routes.end()) return respond(error(404, "not found"), request.keep_alive());
    HttpResponse answer;
    try {
      answer = route->second.handler();
    } catch (const std::exception& e) {
      answer = error(500, std::string("internal error: ") + e.what());
    }
    respond(std::move(answer), request.keep_alive());
  }

  static HttpResponse error(unsigned status, std::string text) { return HttpResponse{status, "text/plain; charset=utf-8", text + "\n"}; }

  void respond(HttpResponse answer, bool keep_alive) {
    slot_.server().count_request(answer.status);
    response_ = {};
    response_.result(answer.status);
    response_.version(11);
    response_.set(http::field::server, "gatesim");
    response_.set(http::field::content_type, answer.content_type);
    response_.set(http::field::cache_control, "no-store");
    response_.set("X-Content-Type-Options", "nosniff");
    response_.set("Content-Security-Policy",
                  "default-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'");
    if (answer.status == 405) response_.set(http::field::allow, "GET");
    response_.keep_alive(keep_alive);
    response_.body() = std::move(answer.body);
    response_.prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(slot_.server().options.request_timeout);
    http::async_write(stream_, response_, [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
      if (ec || !keep_alive) return self->shutdown();
      self->read();
    });
  }

  // Closes after the client has seen the answer. TLS: a close_notify, then the client's (or the
  // end of its connection) awaited for a short while, then closed. Plain: the sending side first,
  // then what the client still sends is read and discarded (up to a limit, for a short while), so
  // that closing with unread bytes does not reset the connection before the client read the answer.
  void shutdown() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->close(); });
    } else {
      shutdown_plain();
    }
  }
  void shutdown_plain() {
    auto& lowest = beast::get_lowest_layer(stream_);
    beast::error_code ignored;
    lowest.socket().shutdown(tcp::socket::shutdown_send, ignored);
    lowest.expires_after(std::chrono::seconds(2));
    drain(0);
  }
  void drain(std::size_t drained) {
    if (drained > (1u << 20)) return close();
    beast::get_lowest_layer(stream_).async_read_some(
        asio::buffer(discard_), [self = this->shared_from_this(), drained](beast::error_code ec, std::size_t n) {
          if (ec) return self->close();
          self->drain(drained + n);
        });
  }
  void close() {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().close(ignored);
  }

  Stream stream_;
  ConnectionSlot slot_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::array<char, 4096> discard_;
};

void HttpServer::Impl::accept() {
  acceptor.async_accept([self = this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || self->stopped) return;
    if (ec) {
      // Out of file descriptors (EMFILE, ENFILE) or memory: the connection stays in the backlog
      // and accepting again at once fails again, a busy loop. Retry after a pause instead.
      ++self->accept_failures;
      self->accept_retry.expires_after(std::chrono::milliseconds(100));
      self->accept_retry.async_wait([self](beast::error_code wait_ec) {
        if (!wait_ec && !self->stopped) self->accept();
      });
      return;
    }
    if (self->open_connections >= self->options.max_connections) {
      ++self->refused;
      if (self->refused_counter) self->refused_counter->add();
      // A small answer fits the socket's buffer: written at once, never waiting on the client.
      static constexpr std::string_view busy =
          "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 29\r\nConnection: close\r\n\r\n"
          "too many connections, retry\n\n";
      beast::error_code ignored;
      socket.non_blocking(true, ignored);
      socket.write_some(asio::buffer(busy.data(), busy.size()), ignored);
      socket.shutdown(tcp::socket::shutdown_both, ignored);
      socket.close(ignored);
    } else {
      if (self->options.tls)
        std::make_shared<HttpSession<TlsStream>>(ConnectionSlot(self), std::move(socket), *self->options.tls)->start();
      else
        std::make_shared<HttpSession<PlainStream>>(ConnectionSlot(self), std::move(socket))->start();
    }
    self->accept();
  });
}

void HttpServer::Impl::schedule_push() {
  if (push_armed || !dirty) return;
  push_armed = true;
  push_timer.expires_at(std::max(Clock::now(), last_push + options.push_interval));
  push_timer.async_wait([self = this](beast::error_code ec) {
    self->push_armed = false;
    if (!ec) self->push();
  });
}

void HttpServer::Impl::push() {
  dirty = false;
  last_push = Clock::now();
  std::erase_if(sessions, [](const auto& s) { return s.expired(); });
  if (sessions.empty()) return;
  const auto message = take_snapshot();
  if (!message) return;
  for (const auto& weak : sessions)
    if (auto session = weak.lock()) session->send(message);
}

HttpServer::HttpServer(HttpServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  assert(impl_->options.token.empty() || valid_token(impl_->options.token));
  if (auto* m = impl_->options.metrics) {
    for (int c = 1; c <= 5; ++c)
      impl_->requests_counter[c] = &m->counter("gatesim_http_requests_total", "HTTP requests answered, by status class",
                                               {{"code", std::to_string(c) + "xx"}});
    impl_->refused_counter = &m->counter("gatesim_http_connections_refused_total", "Connections refused for lack of room (503)");
    impl_->connections_gauge = &m->gauge("gatesim_http_open_connections", "Open HTTP and WebSocket connections");
    impl_->clients_gauge = &m->gauge("gatesim_websocket_clients", "Connected WebSocket clients");
    impl_->sent_counter = &m->counter("gatesim_websocket_messages_sent_total", "State messages sent to WebSocket clients");
    impl_->dropped_counter = &m->counter("gatesim_websocket_messages_dropped_total",
                                         "State messages dropped because a client had not taken the previous one");
    if (impl_->options.tls)
      impl_->tls_refused_counter = &m->counter("gatesim_http_tls_refused_total",
                                               "Connections closed for sending plain HTTP or failing the TLS handshake");
  }
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::get(const std::string& path, Handler handler, Access access) {
  assert(!path.empty() && path.front() == '/' && !impl_->thread.joinable());
  impl_->routes[path] = Impl::Route{std::move(handler), access};
}

void HttpServer::post(const std::string& path, PostHandler handler) {
  assert(!path.empty() && path.front() == '/' && !impl_->thread.joinable());
  impl_->post_routes[path] = std::move(handler);
}

void HttpServer::websocket(const std::string& path, std::function<std::string()> snapshot) {
  assert(!path.empty() && path.front() == '/' && !impl_->thread.joinable() && !impl_->snapshot);
  impl_->websocket_path = path;
  impl_->snapshot = std::move(snapshot);
}

void HttpServer::start() {
  auto& impl = *impl_;
  const auto& address = impl.options.address;
  const tcp::endpoint endpoint(asio::ip::make_address(address.host), address.port);
  beast::error_code ec;
  impl.acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl.acceptor.bind(endpoint, ec);
  if (!ec) impl.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    throw models::InputError("--http " + address.host + ":" + std::to_string(address.port) + ": cannot listen: " + ec.message());
  impl.bound_port = impl.acceptor.local_endpoint().port();
  impl.accept();
  // The server thread takes no SIGINT/SIGTERM: the program decides what they mean.
  sigset_t blocked, previous;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGINT);
  sigaddset(&blocked, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &blocked, &previous);
  impl.thread = std::thread([server = impl_.get()] {
    pthread_setname_np(pthread_self(), "gatesim-http");  // so its CPU can be told apart (bench/dashboard_cpu.sh)
    server->io.run();
  });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

std::uint16_t HttpServer::port() const { return impl_->bound_port; }

void HttpServer::notify() {
  // At most one notification waits on the server's thread: a lane that changes faster than the
  // thread runs does not grow its queue.
  if (impl_->notify_pending.exchange(true)) return;
  ++impl_->notify_posts;
  asio::post(impl_->io, [server = impl_.get()] {
    server->notify_pending = false;
    server->dirty = true;
    server->schedule_push();
  });
}

void HttpServer::stop() {
  if (impl_->stopped.exchange(true)) return;
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

HttpServer::Stats HttpServer::stats() const {
  const auto& i = *impl_;
  return Stats{i.requests, i.refused, i.open_connections, i.websocket_clients, i.sent, i.dropped, i.max_held_bytes, i.snapshot_failures, i.notify_posts, i.accept_failures,
               i.tls_refused};
}

}  // namespace gatesim::web
