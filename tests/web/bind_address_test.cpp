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
  EXPECT_NO_THROW(check_exposure(parse_bind_address("127.0.0.1:1"), ""));
  try {
    check_exposure(parse_bind_address("0.0.0.0:8080"), "");
    ADD_FAILURE() << "0.0.0.0 without a token was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("not a loopback address"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--http-token"), std::string::npos) << e.what();
  }
  EXPECT_THROW(check_exposure(parse_bind_address("0.0.0.0:8080"), "short"), InputError);
  EXPECT_NO_THROW(check_exposure(parse_bind_address("0.0.0.0:8080"), "0123456789abcdef"));
}

}  // namespace
