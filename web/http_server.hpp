#pragma once
// HttpServer: the dashboard's embedded HTTP and WebSocket server (Boost.Beast), read-only unless
// a command registers a POST path.
//
// - GET on the registered paths only: a registered path answers with its handler's response,
//   an unknown one 404, another method 405 (POST too, unless the path was registered with
//   post()), a request that does not parse as HTTP/1.1 400, a header or body beyond
//   Options::max_request_bytes 431/413; every error closes the connection.
// - POST on a path registered with post() (a command's controls, off unless its user asked):
//   the token as for data (always needed when there is one), the Host and Origin checks below,
//   and a JSON body (Content-Type application/json, else 415): a page of another site cannot
//   send that without asking first (a CORS preflight, which this server answers 405).
// - Against DNS rebinding and other sites' pages: a request whose Host is not an IP address or
//   "localhost" gets 403 (a name could be another site's, made to resolve here), as does one whose
//   Origin, when a browser sends one (always on a WebSocket upgrade), is not http(s)://HOST.
// - Connections (HTTP and WebSocket together) are bounded: beyond Options::max_connections a
//   new one gets 503 and is closed. A request must arrive within Options::request_timeout.
// - With a token, every request must carry it (`Authorization: Bearer TOKEN` or `?token=TOKEN`,
//   compared in constant time), else 401 — except the paths registered as Access::open: the
//   embedded pages, scripts and styles, which hold no data (a browser loads them without the
//   token; the page passes its own `?token=` on to the data it fetches). Whether a token is
//   required is web/bind_address.hpp's rule; the server enforces whatever it is given.
// - One WebSocket path pushes the state: on connect, and after notify(), each client is sent a
//   fresh snapshot, at most once per Options::push_interval. A client still receiving an
//   earlier message keeps at most one more, the newest (the older one is dropped and counted):
//   a client that stops reading costs one shared message, never a growing queue, and is
//   disconnected once a write has waited Options::write_timeout. What clients send is read and
//   discarded (at most 1 KiB a message); nothing a client sends changes anything.
//
// - With Options::tls (HTTPS and WSS on the one port, the pages, data and WebSocket alike):
//   every connection must open with a TLS handshake within Options::request_timeout; one that
//   sends plain HTTP instead gets a plain-text 400 saying to use https:// and is closed, one
//   whose handshake fails is closed (both counted in Stats::tls_refused). The context decides
//   the rest (which certificate is shown, whether clients must present one).
//
// A handler that throws answers 500; a snapshot that throws is not sent (the clients wait for the
// next one) and is counted: neither stops the server.
//
// Thread safety: configure (get(), websocket()) before start(); then notify(), port(), stats()
// and stop() may be called from any thread. Handlers and the snapshot function run on the
// server's own thread, one at a time; they must be safe to call from it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "web/bind_address.hpp"

namespace boost::asio::ssl {
class context;
}

namespace gatesim::web {

class MetricsRegistry;

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Who may GET a path: with a token, `token` paths need it; `open` paths (static files that hold
// no data) never do.
enum class Access { token, open };

struct HttpServerOptions {
  BindAddress address;
  std::string token;                      // empty: requests need none (loopback); else web::valid_token
  std::size_t max_connections = 32;       // HTTP and WebSocket together
  std::size_t max_request_bytes = 8192;   // request line, headers and body
  std::chrono::milliseconds request_timeout{10'000};
  std::chrono::milliseconds write_timeout{10'000};  // a WebSocket message not taken in this long closes the client
  std::chrono::milliseconds push_interval{250};     // WebSocket updates at most this often
  MetricsRegistry* metrics = nullptr;     // when set: the server's own gatesim_http_* series
  std::shared_ptr<boost::asio::ssl::context> tls;  // when set: HTTPS and WSS only (a server context)
};

class HttpServer {
 public:
  struct Impl;  // shared with the sessions in http_server.cpp
  using Handler = std::function<HttpResponse()>;
  using PostHandler = std::function<HttpResponse(std::string_view body)>;

  explicit HttpServer(HttpServerOptions options);
  ~HttpServer();  // stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // requires: before start(); `path` starts with '/'.
  void get(const std::string& path, Handler handler, Access access = Access::token);
  // requires: before start(); `path` starts with '/'. POSTs on `path` call `handler` with their body.
  void post(const std::string& path, PostHandler handler);
  // requires: before start(); called once.
  void websocket(const std::string& path, std::function<std::string()> snapshot);

  // ensures: listening and serving on a thread of its own.
  // throws models::InputError "--http HOST:PORT: cannot listen: <why>" when it cannot bind.
  void start();
  // ensures: the port listened on (the system's choice when the address asked for 0).
  std::uint16_t port() const;
  // The state changed: WebSocket clients get a new snapshot (at most every push_interval).
  // Cheap and bounded: while one notification waits for the server's thread, more are merged in.
  void notify();
  // ensures: no more connections or handler calls; every client disconnected. Idempotent.
  void stop();

  struct Stats {
    std::uint64_t requests = 0;            // HTTP requests answered (any status)
    std::uint64_t refused = 0;             // connections refused (503) for lack of room
    std::size_t open_connections = 0;
    std::size_t websocket_clients = 0;
    std::uint64_t messages_sent = 0, messages_dropped = 0;
    std::size_t max_held_bytes = 0;        // the most message bytes one client ever held (sending + waiting)
    std::uint64_t snapshot_failures = 0;   // snapshots that threw: nothing was sent that time
    std::uint64_t notify_posts = 0;        // notify()s handed to the server's thread (one waits at most)
    std::uint64_t accept_failures = 0;     // accept() errors (out of descriptors): each retried after 100 ms
    std::uint64_t tls_refused = 0;         // with TLS: connections that sent plain HTTP or failed the handshake
  };
  Stats stats() const;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace gatesim::web
