#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>

#include "tests/support/run_command.hpp"
#include "tests/support/scratch_folder.hpp"

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

class DeviceServerTlsCommand : public ScratchFolderTest {
 protected:
  void SetUp() override {
    ScratchFolderTest::SetUp();
    const auto made = run_gatesim({"pki", "init", (dir_ / "pki").string(), "--client", "lane-1", "--client", "lane-2"});
    ASSERT_EQ(made.exit_status, 0) << made.err;
  }
  // device-server with `tls` options added (and a document reader to serve).
  CommandResult serve(const std::vector<std::string>& tls) {
    std::vector<std::string> args{"device-server", "--camera", "dir:/no/such", "--listen", "127.0.0.1:0"};
    args.insert(args.end(), tls.begin(), tls.end());
    return run_gatesim(args);
  }
  std::string pki(const std::string& name) const { return (dir_ / "pki" / name).string(); }
};

TEST_F(DeviceServerTlsCommand, PkiInitWritesTheBenchAndOverwritesNothing) {
  for (const char* name : {"ca.pem", "ca.key", "server.pem", "server.key", "lane-1.pem", "lane-1.key", "lane-2.pem",
                           "lane-2.key"})
    EXPECT_TRUE(std::filesystem::is_regular_file(pki(name))) << name;
  const auto again = run_gatesim({"pki", "init", (dir_ / "pki").string()});
  EXPECT_EQ(again.exit_status, 2);
  EXPECT_EQ(again.err, "gatesim: " + pki("ca.pem") + ": exists already (pki init overwrites nothing)\n");
}

TEST_F(DeviceServerTlsCommand, BadTlsFilesAreOneLineNamingTheFileAndExitTwo) {
  const auto missing = serve({"--tls-ca", pki("ca.pem"), "--tls-cert", pki("nope.pem"), "--tls-key", pki("server.key")});
  EXPECT_EQ(missing.exit_status, 2);
  EXPECT_EQ(missing.err, "gatesim: device-server: --tls-cert " + pki("nope.pem") + ": no such file\n");
  const auto wrong = serve({"--tls-ca", pki("ca.pem"), "--tls-cert", pki("server.pem"), "--tls-key", pki("lane-1.key")});
  EXPECT_EQ(wrong.exit_status, 2);
  EXPECT_EQ(wrong.err.rfind("gatesim: device-server: --tls-key " + pki("lane-1.key") + ": not the private key of " +
                                pki("server.pem"),
                            0),
            0u)
      << wrong.err;
  EXPECT_EQ(std::count(wrong.err.begin(), wrong.err.end(), '\n'), 1);
  const auto half = serve({"--tls-cert", pki("server.pem")});
  EXPECT_EQ(half.exit_status, 2);
  EXPECT_NE(half.err.find("--tls-ca FILE missing"), std::string::npos) << half.err;
}

TEST_F(DeviceServerTlsCommand, FingerprintsOverTlsNeedTheLanesNamed) {
  const auto r = run_gatesim({"device-server", "--fingerprint", "sim:match:0.9", "--listen", "127.0.0.1:0", "--tls-ca",
                              pki("ca.pem"), "--tls-cert", pki("server.pem"), "--tls-key", pki("server.key")});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("--fingerprint over TLS needs --fingerprint-client NAME"), std::string::npos) << r.err;
  const auto plain = run_gatesim(
      {"device-server", "--fingerprint", "sim:match:0.9", "--listen", "127.0.0.1:0", "--fingerprint-client", "lane-1"});
  EXPECT_EQ(plain.exit_status, 2);
  EXPECT_NE(plain.err.find("--fingerprint-client names TLS client certificates"), std::string::npos) << plain.err;
}

TEST(DeviceServerCommand, PlainTcpBeyondLoopbackIsRefusedUnlessInsecure) {
  const auto r = run_gatesim({"device-server", "--camera", "dir:/no/such", "--listen", "0.0.0.0:0"});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_EQ(r.err,
            "gatesim: device-server: --listen 0.0.0.0:0 is not loopback: give --tls-ca, --tls-cert and --tls-key "
            "(mutual TLS), or --insecure to serve anyone who can connect\n");
  // Told --insecure, it goes on (and stops at the camera that does not exist, before listening).
  const auto insecure = run_gatesim({"device-server", "--camera", "dir:/no/such", "--listen", "0.0.0.0:0", "--insecure"});
  EXPECT_EQ(insecure.exit_status, 2);
  EXPECT_NE(insecure.err.find("--camera dir:/no/such: no such folder"), std::string::npos) << insecure.err;
}

}  // namespace
}  // namespace gatesim::testing
