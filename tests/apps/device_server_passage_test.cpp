// gatesim device-server serving an exit sensor over mutual TLS, used from this test through
// tls:// sensors on 127.0.0.1: only lanes with a certificate of the bench's CA are answered.
#include <filesystem>

#include <gtest/gtest.h>

#include "devices/passage_sensor.hpp"
#include "devices/pki.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/running_device_server.hpp"
#include "tests/support/scratch_folder.hpp"

namespace gatesim::testing {
namespace {

namespace fs = std::filesystem;

using DeviceServerPassage = ScratchFolderTest;

TEST_F(DeviceServerPassage, ServesAnExitSensorOverMutualTlsToAuthenticatedLanesOnly) {
  const fs::path& dir = dir_;
  devices::pki_init(dir, {"127.0.0.1"}, {"lane-1"});
  devices::pki_init(dir / "other", {"127.0.0.1"}, {"lane-1"});  // another bench's CA
  {
    RunningServer server("--passage sim:1,2 --tls-ca " + (dir / "ca.pem").string() + " --tls-cert " +
                         (dir / "server.pem").string() + " --tls-key " + (dir / "server.key").string());
    ASSERT_EQ(server.uri().rfind("tls://127.0.0.1:", 0), 0u) << server.uri();
    EXPECT_EQ(server.served()["passage"], "sim:1,2");
    auto as = [&](const fs::path& pki) { return server.uri_for(dir / "ca.pem", pki, "lane-1"); };
    // Another CA's lane, and plain TCP, get no passage (and take none of the script).
    EXPECT_THROW(devices::open_passage_sensor(as(dir / "other"))->await_clear(), devices::DeviceFault);
    EXPECT_THROW(devices::open_passage_sensor("tcp://" + server.served()["listen"].get<std::string>())->await_clear(),
                 devices::DeviceFault);
    auto sensor = devices::open_passage_sensor(as(dir));
    EXPECT_EQ(sensor->await_clear(), 1);
    EXPECT_EQ(sensor->await_clear(), 2);
  }
}

TEST_F(DeviceServerPassage, ABadPassageUriIsOneLineAndExitTwo) {
  const auto r = run_gatesim({"device-server", "--passage", "sim:3x", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_EQ(r.err, "gatesim: --passage sim:3x: passage '3x': expected a number of people 0-9, timeout or disconnect, "
                   "optionally @MS\n");
  const auto kind = run_gatesim({"device-server", "--passage", "lidar:0", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(kind.exit_status, 2);
  EXPECT_EQ(kind.err, "gatesim: --passage lidar:0: unknown kind 'lidar'; expected sim, tcp or tls\n");
}

}  // namespace
}  // namespace gatesim::testing
