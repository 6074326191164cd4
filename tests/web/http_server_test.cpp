// The dashboard's server on loopback with real sockets: routes, errors, the token, bounded
// connections, and WebSocket clients that read or never read.
// g++ 12 -O3: false "potential null pointer dereference" inside Boost.Asio's inlined scheduler.
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include "web/http_server.hpp"

#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include "models/input_error.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/sanitizers.hpp"
#include "web/bind_address.hpp"
#include "web/metrics.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using gatesim::testing::http_exchange;
using gatesim::testing::http_get;
using gatesim::testing::eventually;
using gatesim::testing::http_post;
using gatesim::web::HttpResponse;
using gatesim::web::HttpServer;
using gatesim::web::HttpServerOptions;
using gatesim::web::parse_bind_address;
using namespace std::chrono_literals;

HttpServerOptions loopback() {
  HttpServerOptions options;
  options.address = parse_bind_address("127.0.0.1:0");
  return options;
}

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

TEST(HttpServer, AnswersItsPathsAndRefusesEverythingElse) {
  gatesim::web::MetricsRegistry metrics;
  auto options = loopback();
  options.metrics = &metrics;
  HttpServer server(options);
  server.get("/healthz", [] { return HttpResponse{200, "text/plain", "ok\n"}; });
  server.start();
  ASSERT_NE(server.port(), 0);

  const auto ok = http_get(server.port(), "/healthz");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "ok\n");
  EXPECT_NE(ok.head.find("Cache-Control: no-store"), std::string::npos) << ok.head;
  EXPECT_EQ(http_get(server.port(), "/healthz?x=1").status, 200);
  EXPECT_EQ(http_get(server.port(), "/nowhere").status, 404);
  EXPECT_EQ(http_get(server.port(), "/healthz/").status, 404);
  EXPECT_EQ(http_exchange(server.port(), "this is not HTTP\r\n\r\n").status, 400);
  EXPECT_EQ(http_exchange(server.port(), "GET /healthz HTTP/1.1\r\nHost x\r\n\r\n").status, 400);  // header without a colon
  EXPECT_EQ(http_exchange(server.port(), "GET healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status, 400);
  EXPECT_EQ(http_exchange(server.port(), "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").status, 405);
  const std::string huge(20000, 'a');
  EXPECT_EQ(http_exchange(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + huge + "\r\n\r\n").status, 431);
  EXPECT_EQ(http_exchange(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n").status, 413);
  EXPECT_EQ(server.stats().requests, 10u);
  EXPECT_EQ(metrics.counter("gatesim_http_requests_total", "", {{"code", "4xx"}}).value(), 8);
}

TEST(HttpServer, WithATokenEveryRequestMustCarryIt) {
  auto options = loopback();
  options.token = "0123456789abcdef-secret";
  HttpServer server(options);
  server.get("/healthz", [] { return HttpResponse{200, "text/plain", "ok\n"}; });
  server.get("/page.js", [] { return HttpResponse{200, "text/javascript", "1;\n"}; }, gatesim::web::Access::open);
  server.start();
  // A static file registered open needs no token (a browser loads a page's scripts without it);
  // with or without one, it is served.
  EXPECT_EQ(http_get(server.port(), "/page.js").status, 200);
  EXPECT_EQ(http_get(server.port(), "/page.js?token=wrong").status, 200);
  EXPECT_EQ(http_get(server.port(), "/page.js", options.token).status, 200);
  EXPECT_EQ(http_get(server.port(), "/healthz").status, 401);
  EXPECT_EQ(http_get(server.port(), "/healthz", "wrong-token-0123456789").status, 401);
  EXPECT_EQ(http_get(server.port(), "/healthz?token=0123456789abcdef-secre").status, 401);
  EXPECT_EQ(http_get(server.port(), "/healthz", options.token).status, 200);
  EXPECT_EQ(http_get(server.port(), "/healthz?token=" + options.token).status, 200);
  EXPECT_EQ(http_get(server.port(), "/nowhere", options.token).status, 404);
}

// A path registered for POST (a command's controls) takes POSTs with a JSON body, from a
// program or this server's own page, with the token; everything else is refused as before.
TEST(HttpServer, APostPathTakesJsonWithTheTokenFromItsOwnPagesOnly) {
  auto options = loopback();
  options.token = "0123456789abcdef-secret";
  HttpServer server(options);
  std::vector<std::string> bodies;  // what the handler was given (the server's thread; read after stop)
  server.post("/api/control", [&bodies](std::string_view body) {
    bodies.emplace_back(body);
    return HttpResponse{200, "application/json", "{}\n"};
  });
  server.get("/healthz", [] { return HttpResponse{200, "text/plain", "ok\n"}; });
  server.start();
  const auto port = server.port();
  const auto own = "http://127.0.0.1:" + std::to_string(port);
  EXPECT_EQ(http_post(port, "/api/control", R"({"pause":true})", options.token).status, 200);
  EXPECT_EQ(http_post(port, "/api/control", R"({"pause":false})", options.token, "application/json; charset=utf-8", own).status, 200);
  EXPECT_EQ(http_post(port, "/api/control", R"({"pause":true})").status, 401) << "no token";
  EXPECT_EQ(http_post(port, "/api/control", R"({"pause":true})", "wrong-token-0123456789").status, 401);
  EXPECT_EQ(http_post(port, "/api/control?token=" + options.token, R"({"pause":true})").status, 200);
  EXPECT_EQ(http_post(port, "/api/control", R"({"pause":true})", options.token, "application/json", "http://evil.example").status, 403);
  // A form of another site's page can send text/plain without asking first; JSON it cannot.
  EXPECT_EQ(http_post(port, "/api/control", R"({"pause":true})", options.token, "text/plain").status, 415);
  EXPECT_EQ(http_post(port, "/api/control", "pause=true", options.token, "application/x-www-form-urlencoded").status, 415);
  EXPECT_EQ(http_post(port, "/healthz", "{}", options.token).status, 405) << "a GET path is not a POST path";
  EXPECT_EQ(http_post(port, "/nowhere", "{}", options.token).status, 405);
  EXPECT_EQ(http_get(port, "/api/control", options.token).status, 404) << "a POST path is not a GET path";
  EXPECT_EQ(http_exchange(port, "PUT /api/control HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + options.token +
                                    "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}").status,
            405);
  server.stop();
  EXPECT_EQ(bodies, (std::vector<std::string>{R"({"pause":true})", R"({"pause":false})", R"({"pause":true})"}));
}

// DNS rebinding: another site's page reaching the server through a name of its own sends that
// name as Host; a page of another site sends its own Origin.
TEST(HttpServer, ServesOnlyRequestsAddressedToItsIpOrLocalhostFromItsOwnPages) {
  HttpServer server(loopback());
  server.get("/healthz", [] { return HttpResponse{200, "text/plain", "ok\n"}; });
  server.start();
  const auto port = std::to_string(server.port());
  const auto get = [&](const std::string& headers) {
    return http_exchange(server.port(), "GET /healthz HTTP/1.1\r\n" + headers + "Connection: close\r\n\r\n");
  };
  for (const std::string& host : std::vector<std::string>{"127.0.0.1:" + port, "127.0.0.1", "localhost:" + port, "LocalHost", "[::1]:" + port, "10.1.2.3:" + port})
    EXPECT_EQ(get("Host: " + host + "\r\n").status, 200) << host;
  for (const std::string& host : std::vector<std::string>{"evil.example:" + port, "evil.example", "127.0.0.1.nip.io:" + port, "localhost.evil.example", "[evil]:80"}) {
    const auto answer = get("Host: " + host + "\r\n");
    EXPECT_EQ(answer.status, 403) << host;
    EXPECT_NE(answer.body.find("Host"), std::string::npos) << answer.body;
  }
  EXPECT_EQ(get("").status, 400) << "HTTP/1.1 without Host";
  const std::string host = "Host: 127.0.0.1:" + port + "\r\n";
  EXPECT_EQ(get(host + "Origin: http://127.0.0.1:" + port + "\r\n").status, 200);
  EXPECT_EQ(get(host + "Origin: https://127.0.0.1:" + port + "\r\n").status, 200);
  for (const std::string& origin : std::vector<std::string>{"http://evil.example", "http://127.0.0.1:1", "null", "http://127.0.0.1:" + port + ".evil.example"})
    EXPECT_EQ(get(host + "Origin: " + origin + "\r\n").status, 403) << origin;
  EXPECT_EQ(server.stats().requests, 18u);
}

TEST(HttpServer, ConnectionsAreBounded) {
  auto options = loopback();
  options.max_connections = 2;
  HttpServer server(options);
  server.get("/healthz", [] { return HttpResponse{200, "text/plain", "ok\n"}; });
  server.start();
  asio::io_context io;
  std::vector<asio::ip::tcp::socket> idle;
  for (int i = 0; i < 2; ++i) {
    idle.emplace_back(io);
    idle.back().connect({asio::ip::make_address("127.0.0.1"), server.port()});
  }
  ASSERT_TRUE(eventually([&] { return server.stats().open_connections == 2; }));
  EXPECT_EQ(http_get(server.port(), "/healthz").status, 503);
  EXPECT_EQ(server.stats().refused, 1u);
  idle.clear();  // closing them gives their room back
  ASSERT_TRUE(eventually([&] { return server.stats().open_connections == 0; }));
  EXPECT_EQ(http_get(server.port(), "/healthz").status, 200);
}

// A lane notifies on every change, perhaps faster than the server's thread runs: while one
// notification waits for that thread, more are merged into it (nothing queues up).
TEST(HttpServer, NotificationsWhileTheServerIsBusyAreMergedIntoOne) {
  std::atomic<bool> entered{false}, release{false};
  HttpServer server(loopback());
  server.get("/busy", [&] {  // holds the server's thread
    entered = true;
    while (!release) std::this_thread::sleep_for(1ms);
    return HttpResponse{200, "text/plain", "done\n"};
  });
  server.websocket("/ws", [] { return std::string("state"); });
  server.start();
  std::thread busy([&] { EXPECT_EQ(http_get(server.port(), "/busy").status, 200); });
  ASSERT_TRUE(eventually([&] { return entered.load(); }));
  for (int i = 0; i < 100'000; ++i) server.notify();
  EXPECT_EQ(server.stats().notify_posts, 1u);
  release = true;
  busy.join();
  EXPECT_TRUE(eventually([&] {
    server.notify();  // handed over again once the waiting one ran
    return server.stats().notify_posts >= 2;
  }));
}

// Out of file descriptors, accept() fails while the connection waits in the backlog: accepting
// again at once would fail again, a busy loop on the server's thread. It retries after a pause,
// and serves the connection once descriptors are free again.
TEST(HttpServer, AcceptOutOfDescriptorsRetriesAfterAPauseAndRecovers) {
  HttpServer server(loopback());
  server.get("/healthz", [] { return HttpResponse{200, "text/plain", "ok\n"}; });
  server.start();
  asio::io_context io;
  asio::ip::tcp::socket client(io);
  client.open(asio::ip::tcp::v4());  // its descriptor taken before the limit
  rlimit before{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &before), 0);
  const int lowest_free = ::dup(0);
  ASSERT_GE(lowest_free, 0);
  ::close(lowest_free);
  rlimit none = before;
  none.rlim_cur = static_cast<rlim_t>(lowest_free);  // no new descriptor in this process
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &none), 0);
  client.connect({asio::ip::make_address("127.0.0.1"), server.port()});
  const bool failed = eventually([&] { return server.stats().accept_failures > 0; });
  std::this_thread::sleep_for(1s);
  const auto failures = server.stats().accept_failures;
  ::setrlimit(RLIMIT_NOFILE, &before);
  ASSERT_TRUE(failed) << "accept() never ran out of descriptors";
  EXPECT_LT(failures, 100u) << "accept() was retried " << failures << " times in a second: a busy loop";
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  asio::write(client, asio::buffer(request));
  std::string answer;
  boost::system::error_code ec;
  asio::read(client, asio::dynamic_buffer(answer), ec);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
}

TEST(HttpServer, CannotListenOnAPortInUse) {
  HttpServer first(loopback());
  first.start();
  auto options = loopback();
  options.address.port = first.port();
  HttpServer second(options);
  try {
    second.start();
    ADD_FAILURE() << "listened twice on " << first.port();
  } catch (const gatesim::models::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot listen"), std::string::npos) << e.what();
  }
}

// A WebSocket client on a real socket: the handshake, then it reads or it does not.
struct WebSocketClient {
  asio::io_context io;
  beast::websocket::stream<asio::ip::tcp::socket> ws{io};
  // handshake: false leaves it to the test (with headers of its own).
  explicit WebSocketClient(std::uint16_t port, int receive_buffer = 0, const std::string& target = "/ws", bool handshake = true) {
    ws.next_layer().open(asio::ip::tcp::v4());
    if (receive_buffer) ws.next_layer().set_option(asio::socket_base::receive_buffer_size(receive_buffer));
    ws.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
    ws.read_message_max(64 << 20);
    if (handshake) ws.handshake("127.0.0.1", target);
  }
  std::string read() {
    beast::flat_buffer buffer;
    ws.read(buffer);
    return beast::buffers_to_string(buffer.data());
  }
};

TEST(HttpServer, WebSocketClientsGetTheStateOnConnectAndAfterEachChange) {
  std::atomic<int> version{0};
  auto options = loopback();
  options.push_interval = 1ms;
  HttpServer server(options);
  server.websocket("/ws", [&] { return "state " + std::to_string(version.load()); });
  server.start();
  WebSocketClient client(server.port());
  EXPECT_EQ(client.read(), "state 0");
  version = 1;
  server.notify();
  EXPECT_EQ(client.read(), "state 1");
  EXPECT_EQ(http_get(server.port(), "/ws").status, 404);  // not a page: only an upgrade is served there
}

// Cross-site WebSocket hijacking: a browser lets any page open a WebSocket to any address, and
// says which page in Origin.
TEST(HttpServer, TheWebSocketOpensOnlyForThisServersOwnPages) {
  HttpServer server(loopback());
  server.websocket("/ws", [] { return std::string("state"); });
  server.start();
  const auto with_origin = [&](const std::string& origin, const std::string& host) {
    WebSocketClient client(server.port(), 0, "", false);
    client.ws.set_option(beast::websocket::stream_base::decorator(
        [origin](beast::websocket::request_type& request) { request.set(beast::http::field::origin, origin); }));
    client.ws.handshake(host, "/ws");
    return client.read();
  };
  const auto here = "127.0.0.1:" + std::to_string(server.port());
  EXPECT_EQ(with_origin("http://" + here, here), "state");
  for (const auto& [origin, host] : {std::pair<std::string, std::string>{"http://evil.example", here},
                                     {"http://evil.example:" + std::to_string(server.port()), "evil.example:" + std::to_string(server.port())}}) {
    try {
      with_origin(origin, host);
      ADD_FAILURE() << "a page of " << origin << " opened the WebSocket through Host " << host;
    } catch (const boost::system::system_error& e) {
      EXPECT_EQ(e.code(), beast::websocket::error::upgrade_declined) << e.what();
    }
  }
}

// A snapshot function that throws (as nlohmann::json::dump does on bytes that are not UTF-8)
// must not end the server's thread, which would end the program.
TEST(HttpServer, ASnapshotThatThrowsIsSkippedAndTheServerGoesOn) {
  std::atomic<bool> fail{true};
  auto options = loopback();
  options.push_interval = 1ms;
  HttpServer server(options);
  server.get("/healthz", [] { return HttpResponse{200, "text/plain", "ok\n"}; });
  server.websocket("/ws", [&]() -> std::string {
    if (fail) throw std::runtime_error("invalid UTF-8 byte");
    return "state";
  });
  server.start();
  WebSocketClient client(server.port());  // its first snapshot throws
  ASSERT_TRUE(eventually([&] { return server.stats().snapshot_failures == 1; })) << server.stats().snapshot_failures;
  server.notify();  // and so does this one
  ASSERT_TRUE(eventually([&] { return server.stats().snapshot_failures == 2; })) << server.stats().snapshot_failures;
  EXPECT_EQ(http_get(server.port(), "/healthz").status, 200);
  fail = false;
  server.notify();
  EXPECT_EQ(client.read(), "state");
}

TEST(HttpServer, WithATokenTheWebSocketNeedsItToo) {
  auto options = loopback();
  options.token = "0123456789abcdef-secret";
  HttpServer server(options);
  server.websocket("/ws", [] { return std::string("state"); });
  server.start();
  try {
    WebSocketClient anonymous(server.port());
    ADD_FAILURE() << "the WebSocket opened without the token";
  } catch (const boost::system::system_error& e) {
    EXPECT_EQ(e.code(), beast::websocket::error::upgrade_declined) << e.what();
  }
  WebSocketClient client(server.port(), 0, "/ws?token=" + options.token);
  EXPECT_EQ(client.read(), "state");
}

// A client that never reads holds at most the message being written and the newest one: the
// server drops the rest, keeps serving a client that reads, and disconnects the stalled one.
TEST(HttpServer, AWebSocketClientThatNeverReadsDoesNotGrowTheServersMemory) {
  constexpr std::size_t kMessage = 256 * 1024, kChanges = 400;  // 100 MiB if the server queued them
  std::atomic<int> version{0};
  auto options = loopback();
  options.push_interval = 1ms;
  options.write_timeout = 2s;
  HttpServer server(options);
  server.websocket("/ws", [&] {
    std::string state(kMessage, 'x');
    const auto v = std::to_string(version.load());
    state.replace(0, v.size(), v);
    return state;
  });
  server.start();

  WebSocketClient stalled(server.port(), 4096);  // handshake done; never reads again
  WebSocketClient reader(server.port());
  std::atomic<int> last_read{-1};
  std::thread reading([&] {
    try {
      for (;;) last_read = std::stoi(reader.read().substr(0, 8));
    } catch (const std::exception&) {
    }
  });
  ASSERT_TRUE(eventually([&] { return server.stats().websocket_clients == 2; }));
  const auto before = resident_bytes();
  for (std::size_t i = 1; i <= kChanges; ++i) {
    version = static_cast<int>(i);
    server.notify();
    std::this_thread::sleep_for(2ms);
  }
  const auto after = resident_bytes();
  EXPECT_TRUE(eventually([&] { return last_read == static_cast<int>(kChanges); })) << "the reading client saw " << last_read;
  const auto stats = server.stats();
  EXPECT_GT(stats.messages_dropped, 0u);
  EXPECT_LE(stats.max_held_bytes, 2 * kMessage);
  if (gatesim::testing::kResidentSizeTracksLiveMemory) {  // under ASan, max_held_bytes above is the bound
    EXPECT_LT(after, before + 40 * kMessage) << "resident memory grew from " << before << " to " << after << " bytes";
  }
  // The stalled client's write waited longer than write_timeout: it is disconnected.
  EXPECT_TRUE(eventually([&] { return server.stats().websocket_clients == 1; }));
  reader.ws.next_layer().shutdown(asio::ip::tcp::socket::shutdown_both);  // wakes the blocked read
  reading.join();
}

}  // namespace
