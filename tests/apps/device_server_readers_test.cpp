// gatesim device-server serving a fingerprint reader and a document reader, used from this
// test through tcp:// readers on 127.0.0.1.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "devices/document_reader.hpp"
#include "devices/fingerprint_reader.hpp"
#include "devices/pki.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/running_device_server.hpp"
#include "tests/support/scratch_folder.hpp"
#include "tests/support/traveller_records.hpp"

namespace gatesim::testing {
namespace {

namespace fs = std::filesystem;

using DeviceServerReaders = ScratchFolderTest;

TEST_F(DeviceServerReaders, ServesAFingerprintReaderAndADocumentReader) {
  const fs::path chips = dir_ / "chips.jsonl";
  std::ofstream(chips) << gatesim::testing::hong_kong_resident_text("H9") << '\n';
  {
    RunningServer server("--fingerprint sim:match:0.91,nofinger --documents chips:" + chips.string());
    EXPECT_EQ(server.served()["fingerprint"], "sim:match:0.91,nofinger");
    auto fingerprint = devices::open_fingerprint_reader(server.uri());
    EXPECT_EQ(fingerprint->verify("H9").status, devices::FingerprintStatus::matched);
    EXPECT_EQ(fingerprint->verify("H9").status, devices::FingerprintStatus::no_finger);
    auto documents = devices::open_document_reader(server.uri());
    EXPECT_EQ(documents->read()->holder.id, "H9");
    EXPECT_FALSE(documents->read().has_value());
  }
}

TEST_F(DeviceServerReaders, ServesLanesOverMutualTlsAndOnlyTheNamedLaneVerifiesFingerprints) {
  const fs::path& dir = dir_;
  devices::pki_init(dir, {"127.0.0.1"}, {"lane-1", "lane-2"});
  const fs::path chips = dir / "chips.jsonl";
  std::ofstream(chips) << gatesim::testing::hong_kong_resident_text("H9") << '\n';
  {
    RunningServer server("--fingerprint sim:match:0.91 --documents chips:" + chips.string() + " --tls-ca " +
                         (dir / "ca.pem").string() + " --tls-cert " + (dir / "server.pem").string() + " --tls-key " +
                         (dir / "server.key").string() + " --fingerprint-client lane-1");
    ASSERT_EQ(server.uri().rfind("tls://127.0.0.1:", 0), 0u) << server.uri();
    auto as = [&](const std::string& lane) { return server.uri_for(dir / "ca.pem", dir, lane); };
    auto documents = devices::open_document_reader(as("lane-2"));  // any lane of the bench reads chips
    EXPECT_EQ(documents->read()->holder.id, "H9");
    EXPECT_THROW(devices::open_fingerprint_reader(as("lane-2"))->verify("H9"), devices::DeviceFault);
    EXPECT_EQ(devices::open_fingerprint_reader(as("lane-1"))->verify("H9").status, devices::FingerprintStatus::matched);
    // Plain TCP to a TLS server is no session.
    EXPECT_THROW(devices::open_document_reader("tcp://" + server.served()["listen"].get<std::string>())->read(),
                 devices::DeviceFault);
  }
}

TEST_F(DeviceServerReaders, BadReaderUrisOrNoDeviceAreExitTwo) {
  const auto none = run_gatesim({"device-server", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(none.exit_status, 2);
  EXPECT_EQ(none.err,
            "gatesim: device-server: expected at least one of --camera, --fingerprint, --documents, --passage\n");
  const auto fingerprint = run_gatesim({"device-server", "--fingerprint", "sim:match:7", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(fingerprint.exit_status, 2);
  EXPECT_NE(fingerprint.err.find("--fingerprint sim:match:7: touch 'match:7'"), std::string::npos) << fingerprint.err;
  const auto documents = run_gatesim({"device-server", "--documents", "chips:/no/such.jsonl", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(documents.exit_status, 2);
  EXPECT_NE(documents.err.find("--documents chips:/no/such.jsonl"), std::string::npos) << documents.err;
}

}  // namespace
}  // namespace gatesim::testing
