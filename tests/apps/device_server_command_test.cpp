#include <gtest/gtest.h>

#include "tests/support/run_command.hpp"

namespace gatesim::testing {
namespace {

TEST(DeviceServerCommand, BadListenAddressOrCameraIsExitTwoWithOneLine) {
  const auto bad_listen = run_shell(std::string(GATESIM_BINARY) + " device-server --camera usb:0 --listen nowhere");
  EXPECT_EQ(bad_listen.exit_status, 2);
  EXPECT_NE(bad_listen.err.find("--listen nowhere: expected HOST:PORT such as 127.0.0.1:7401"), std::string::npos)
      << bad_listen.err;
  const auto bad_camera =
      run_shell(std::string(GATESIM_BINARY) + " device-server --camera dir:/no/such --listen 127.0.0.1:0");
  EXPECT_EQ(bad_camera.exit_status, 2);
  EXPECT_NE(bad_camera.err.find("--camera dir:/no/such: no such folder"), std::string::npos) << bad_camera.err;
}

}  // namespace
}  // namespace gatesim::testing
