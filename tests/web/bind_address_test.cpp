#include "web/bind_address.hpp"

#include <gtest/gtest.h>

#include "models/input_error.hpp"

namespace {

using gatesim::models::InputError;
using gatesim::web::check_exposure;
using gatesim::web::parse_bind_address;

TEST(BindAddress, ParsesLoopbackAndOtherAddresses) {
  const auto v4 = parse_bind_address("127.0.0.1:8080");
  EXPECT_EQ(v4.host, "127.0.0.1");
  EXPECT_EQ(v4.port, 8080);
  EXPECT_TRUE(v4.loopback);
  EXPECT_TRUE(parse_bind_address("localhost:0").loopback);
  EXPECT_EQ(parse_bind_address(":9000").host, "127.0.0.1");
  const auto v6 = parse_bind_address("[::1]:8080");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_TRUE(v6.loopback);
  EXPECT_FALSE(parse_bind_address("0.0.0.0:8080").loopback);
  EXPECT_FALSE(parse_bind_address("192.168.1.10:8080").loopback);
}

TEST(BindAddress, RefusesWhatIsNotHostColonPort) {
  for (const char* text : {"8080", "127.0.0.1", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:70000", "my-host:80", "1.2.3.4.5:80"}) {
    try {
      parse_bind_address(text);
      ADD_FAILURE() << text << " was accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("--http ") + text + ": expected HOST:PORT"), std::string::npos) << e.what();
    }
  }
}

TEST(BindAddress, BeyondLoopbackATokenIsRequired) {
  EXPECT_NO_THROW(check_exposure(parse_bind_address("127.0.0.1:1"), {}));
  try {
    check_exposure(parse_bind_address("0.0.0.0:8080"), {"", true, true});
    ADD_FAILURE() << "0.0.0.0 without a token was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("not a loopback address"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--http-token"), std::string::npos) << e.what();
  }
  EXPECT_THROW(check_exposure(parse_bind_address("0.0.0.0:8080"), {"short", true, false}), InputError);
  EXPECT_NO_THROW(check_exposure(parse_bind_address("0.0.0.0:8080"), {"0123456789abcdef", true, false}));
}

// As the device links: beyond loopback, plain HTTP only when the operator says so.
TEST(BindAddress, BeyondLoopbackTlsIsRequiredUnlessInsecure) {
  EXPECT_NO_THROW(check_exposure(parse_bind_address("127.0.0.1:1"), {"", false, false}));
  try {
    check_exposure(parse_bind_address("0.0.0.0:8080"), {"0123456789abcdef", false, false});
    ADD_FAILURE() << "0.0.0.0 without TLS was accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "--http 0.0.0.0: not a loopback address: give --http-tls-cert and --http-tls-key (HTTPS), "
                                     "or --http-insecure to send the token and the data over the network in clear text");
  }
  EXPECT_NO_THROW(check_exposure(parse_bind_address("0.0.0.0:8080"), {"0123456789abcdef", false, true}));
  EXPECT_NO_THROW(check_exposure(parse_bind_address("[::]:8080"), {"0123456789abcdef", true, false}));
}

// The page hands `?token=` on with encodeURIComponent and the server compares bytes: a token
// made of unreserved characters only reads the same on both sides, any other is refused at start.
TEST(BindAddress, ATokenIsLongAndUrlSafe) {
  EXPECT_TRUE(gatesim::web::valid_token("AZaz09-._~AZaz09"));
  for (const char* token : {"0123456789abcde", "0123456789abcde+", "0123456789abcde/", "0123456789abcde=", "0123456789 abcdef",
                            "0123456789abcde%41", "0123456789abcdé"}) {
    EXPECT_FALSE(gatesim::web::valid_token(token)) << token;
    // Refused wherever the server listens, loopback included: the page could not pass it on.
    EXPECT_THROW(check_exposure(parse_bind_address("127.0.0.1:8080"), {token, true, false}), InputError) << token;
    try {
      check_exposure(parse_bind_address("0.0.0.0:8080"), {token, true, false});
      ADD_FAILURE() << token << " was accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("--http-token: expected 16 characters or more"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
