// `gatesim soak` end to end (the real program, dlib models, a dir: camera of shipped images, the
// real audit log on disk): its accounting, its determinism, the lane failing closed on a full
// file system, and a small kill campaign (scripts/kill-campaign.sh).
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "tests/support/scratch_folder.hpp"

namespace gatesim::app {
namespace {

using gatesim::testing::concat;
using gatesim::testing::run_shell;
using gatesim::testing::shell_quote;
using gatesim::testing::test_data;

class SoakCommand : public gatesim::testing::ScratchFolderTest {
 protected:
  // The soak on the shipped small camera folder (or `camera`), as a shell command line; `audit`
  // is shell text.
  std::string soak_line(const std::string& extra, std::string audit = {}, std::string camera = {}) const {
    if (audit.empty()) audit = shell_quote(dir_ / "audit.db");
    if (camera.empty()) camera = concat("dir:", test_data("faces/small").string());
    return concat(shell_quote(GATESIM_BINARY), " soak --json --camera ", shell_quote(camera), " --enrol ",
                  shell_quote(test_data("faces/reference/obama.jpg").string()), " --audit ", audit, " ", extra);
  }
};

nlohmann::json without_run_figures(nlohmann::json j) {
  for (const char* key : {"seconds", "rss_kib", "open_fds", "process_samples", "process_trend"}) j.erase(key);
  return j;
}

// A short soak with 10% faults in every device and the audit log: every transaction is accounted
// for (its row, or a referral for the audit write that failed), the injected faults show up.
TEST_F(SoakCommand, EveryTransactionHasItsAuditRowOrItsAuditFailureAndFaultsAddUp) {
  const auto result =
      run_shell(soak_line("--transactions 300 --fault-rate 0.1 --seed 3 --openings " + shell_quote(dir_ / "log")));
  ASSERT_EQ(result.exit_status, 0) << result.err << result.out;
  const auto j = nlohmann::json::parse(result.out);
  EXPECT_EQ(j["transactions"], 300);
  EXPECT_EQ(j["audit"]["transactions_without_row"], 0);
  EXPECT_EQ(j["audit"]["unexpected_rows"], 0);
  EXPECT_EQ(j["audit"]["rows"].get<int>() + j["audit"]["unaudited_transactions"].get<int>(), 300);
  EXPECT_GT(j["audit"]["unaudited_transactions"], 0);
  // Each injected audit fault is one unaudited transaction, referred with audit.failed.
  EXPECT_EQ(j["faults_injected"]["audit_log"]["write_error"], j["audit"]["unaudited_transactions"]);
  // Referrals count by their first reason; audit.failed is added after any other.
  EXPECT_LE(j["referrals_by_reason"].value("audit.failed", 0), j["audit"]["unaudited_transactions"].get<int>());
  int referred = 0;
  for (const auto& [reason, n] : j["referrals_by_reason"].items()) referred += n.get<int>();
  EXPECT_EQ(referred, j["referred"].get<int>());
  EXPECT_EQ(j["cleared"].get<int>() + j["referred"].get<int>(), 300);
  EXPECT_EQ(j["barrier_openings"], j["cleared"]);
  // Every device had faults injected, and every injected device fault is in some transaction's
  // record (a fault after the lane's last transaction has none to go to: at most one per device).
  for (const auto& device : {"camera", "document_reader", "fingerprint_reader"}) {
    int injected = 0;
    for (const auto& [kind, n] : j["faults_injected"][device].items())
      if (kind != "calls") injected += n.get<int>();
    EXPECT_GT(injected, 0) << device;
    // A link drop is seen by the lane only when the read on a new connection failed as well.
    if (std::string(device) == "document_reader") injected += j["link_drops_that_failed_a_read"].get<int>();
    // The camera's source may fail on its own too (an image that cannot be opened for a moment).
    if (std::string(device) == "camera") injected += j["faults_not_injected"]["camera_source"].get<int>();
    const int recorded = j["faults_recorded_by_device"].value(device, 0);
    EXPECT_LE(recorded, injected) << device;
    EXPECT_GE(recorded, injected - 1) << device;
  }
  EXPECT_GT(j["faults_injected"]["remote_link"]["drop"], 0);
  EXPECT_EQ(j["faults_injected"]["remote_link"]["drop"].get<int>(),
            j["recoveries"]["link_drops_read_again_on_a_new_connection"].get<int>() +
                j["link_drops_that_failed_a_read"].get<int>());
  EXPECT_GT(j["recoveries"]["link_drops_read_again_on_a_new_connection"], 0);
  EXPECT_GT(j["fault_share"].get<double>(), 0.05);
  EXPECT_GT(j["recoveries"]["lane_cleared_again"], 0);
  EXPECT_GT(j["step_ms"]["face"]["count"], 0);
  EXPECT_GT(j["cleared"], 0);
  // RSS and descriptors sampled during the run: the start, the wakes (at least one: the lanes
  // are still running when the main thread first looks), the end.
  const auto& intervals = j["process_samples"];
  ASSERT_FALSE(intervals.empty());
  EXPECT_EQ(intervals[0]["from_s"], 0.0);
  int samples = 0;
  for (const auto& i : intervals) {
    samples += i["samples"].get<int>();
    for (const char* figure : {"rss_kib", "open_fds"}) {
      EXPECT_GT(i[figure]["min"].get<double>(), 0) << figure;
      EXPECT_LE(i[figure]["min"], i[figure]["last"]) << figure;
      EXPECT_LE(i[figure]["last"], i[figure]["max"]) << figure;
    }
  }
  EXPECT_GE(samples, 3);
  // Over the whole run: the range covers every interval's, and a slope is given.
  for (const char* figure : {"rss_kib", "open_fds"}) {
    const auto& trend = j["process_trend"][figure];
    for (const auto& i : intervals) {
      EXPECT_LE(trend["min"], i[figure]["min"]) << figure;
      EXPECT_GE(trend["max"], i[figure]["max"]) << figure;
    }
    EXPECT_TRUE(trend["slope_per_hour"].is_number()) << figure;
  }

  // The openings log agrees with the audit log.
  const auto check = gatesim::testing::run_gatesim({"soak", "--check-openings", (dir_ / "log").string(), "--audit",
                                                    (dir_ / "audit.db").string(), "--json"});
  ASSERT_EQ(check.exit_status, 0) << check.out << check.err;
  const auto c = nlohmann::json::parse(check.out);
  EXPECT_EQ(c["integrity_check"], "ok");
  EXPECT_EQ(c["openings"], j["barrier_openings"]);
  EXPECT_EQ(c["audited_decisions"], j["audit"]["rows"]);
}

// A second soak on the same audit file, with the same lane names: each run checks its own rows.
TEST_F(SoakCommand, TwoSoaksOnOneAuditFileBothAccountForTheirOwnRows) {
  for (const char* seed : {"3", "4"}) {
    const auto result = run_shell(soak_line(std::string("--transactions 40 --fault-rate 0.1 --seed ") + seed));
    ASSERT_EQ(result.exit_status, 0) << "seed " << seed << ": " << result.err << result.out;
    const auto j = nlohmann::json::parse(result.out);
    EXPECT_EQ(j["audit"]["ok"], true) << seed;
    EXPECT_EQ(j["audit"]["unexpected_rows"], 0) << seed;
    EXPECT_EQ(j["audit"]["rows"].get<int>() + j["audit"]["unaudited_transactions"].get<int>(), 40) << seed;
  }
}

// A camera source's own faults (an image of the folder that cannot be read) are recorded like
// the injected ones and counted apart: recorded = injected + the source's own. (A 100,000
// transaction soak once recorded 8 camera faults more than were injected: the folder's images
// could not be opened for 0.1 s; the old check, recorded <= injected, had no room for them.)
TEST_F(SoakCommand, TheCameraSourcesOwnFaultsAreCountedApartFromTheInjectedOnes) {
  for (const char* image : {"biden-small.jpg", "dogs-small.jpg", "obama-240p.jpg", "obama_small.jpg"})
    copy(std::string("small/") + image, std::filesystem::path("camera") / image);
  write("camera/broken.jpg", "not an image: the folder camera cannot read this file\n");
  const auto result = run_shell(
      soak_line("--transactions 100 --fault-rate 0.1 --seed 3", {}, concat("dir:", (dir_ / "camera").string())));
  ASSERT_EQ(result.exit_status, 0) << result.err << result.out;
  const auto j = nlohmann::json::parse(result.out);
  const int source = j["faults_not_injected"]["camera_source"].get<int>();
  EXPECT_GT(source, 0);
  int injected = 0;
  for (const auto& [kind, n] : j["faults_injected"]["camera"].items())
    if (kind != "calls") injected += n.get<int>();
  EXPECT_GT(injected, 0);
  const int recorded = j["faults_recorded_by_device"].value("camera", 0);
  EXPECT_LE(recorded, injected + source);
  EXPECT_GE(recorded, injected + source - 1);
  EXPECT_EQ(j["audit"]["ok"], true);
}

// Virtual time and seeded faults: the same seed gives the same run, whatever the machine.
TEST_F(SoakCommand, TheSameSeedGivesTheSameRun) {
  const std::string args = "--transactions 150 --fault-rate 0.1 --seed 5";
  const auto first = run_shell(soak_line(args, shell_quote(dir_ / "first.db")));
  const auto second = run_shell(soak_line(args, shell_quote(dir_ / "second.db")));
  ASSERT_EQ(first.exit_status, 0) << first.err;
  ASSERT_EQ(second.exit_status, 0) << second.err;
  const auto a = without_run_figures(nlohmann::json::parse(first.out));
  EXPECT_EQ(a.dump(), without_run_figures(nlohmann::json::parse(second.out)).dump());
  EXPECT_GT(a["faults_total"], 0);
}

// Fail closed on a full file system, then a read-only one (a 4 MiB tmpfs mounted in a private
// mount namespace, filled up, remounted read-only with room to spare, then read-write): the lane
// opens no barrier while the audit log cannot be written, refers with audit.failed, says so on
// stderr, is still failing while the file system is read-only although it has room, and clears
// travellers again once it is writable. Needs `unshare -rm` (user and mount namespaces, no
// root); skipped where the system does not allow them.
TEST_F(SoakCommand, AFullThenReadOnlyFileSystemFailsClosedAndTheLaneRecovers) {
  if (run_shell("unshare -rm true").exit_status != 0) GTEST_SKIP() << "no user/mount namespaces here";
  const auto small = dir_ / "small";
  std::filesystem::create_directories(small);
  const std::string err = (dir_ / "err").string();
  // Each wait is for an event that takes milliseconds; 2-minute deadlines, no timing asserted.
  const std::string script =
      "set -u; D=" + shell_quote(small) + "; ERR=" + shell_quote(err) +
      "; mount -t tmpfs -o size=4m tmpfs \"$D\" || exit 77\n" +
      soak_line("--transactions 0 --fault-rate 0 --name full", "\"$D/audit.db\"") +
      " 2>\"$ERR\" &\n"
      "pid=$!\n"
      "wait_for() { for i in $(seq 2400); do [ \"$(grep -c \"$1\" \"$ERR\")\" -ge \"$2\" ] && return 0; sleep 0.05; done;"
      " echo \"no '$1' x$2 on stderr\" >&2; cat \"$ERR\" >&2; kill -9 $pid; exit 3; }\n"
      "for i in $(seq 2400); do [ -s \"$D/audit.db\" ] && break; sleep 0.05; done\n"
      "sleep 0.5\n"
      "head -c 64M /dev/zero >\"$D/filler\" 2>/dev/null\n"
      "wait_for 'cannot be written' 1\n"
      // A remount read-only succeeds only while no file on it is open for writing: the lane
      // closes the log after each failed write. With room again, only read-only stops writes.
      "for i in $(seq 2400); do mount -o remount,ro,size=64m \"$D\" 2>/dev/null && break; sleep 0.05; done\n"
      "if touch \"$D/probe\" 2>/dev/null; then echo 'not read-only' >&2; kill -9 $pid; exit 4; fi\n"
      "sleep 1\n"
      "if grep -q 'written again' \"$ERR\"; then echo 'written while read-only' >&2; kill -9 $pid; exit 5; fi\n"
      "mount -o remount,rw \"$D\"\n"
      "wait_for 'written again' 1\n"
      "sleep 2\n"
      "kill -TERM $pid; wait $pid\n";
  const auto result = run_shell("unshare -rm sh -c " + shell_quote(script));
  ASSERT_EQ(result.exit_status, 0) << result.err << result.out;
  const auto j = nlohmann::json::parse(result.out);
  EXPECT_GT(j["referrals_by_reason"].value("audit.failed", 0), 0);
  EXPECT_EQ(j["audit"]["transactions_without_row"], 0);
  EXPECT_EQ(j["audit"]["ok"], true);
  // The full disk's failures are the file system's, not injected (the fault rate is 0).
  EXPECT_EQ(j["audit"]["audit_failures_not_injected"], j["audit"]["unaudited_transactions"]);
  // The lane cleared travellers again after the audit failures (recoveries), and never opened
  // the barrier for an unaudited one: openings = cleared, and every cleared one has its row.
  EXPECT_GT(j["recoveries"]["lane_cleared_again"], 0);
  EXPECT_EQ(j["barrier_openings"], j["cleared"]);
  std::ifstream in(err);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("no barrier opens, every traveller is referred until it can"), std::string::npos);
  EXPECT_NE(text.str().find("the lane clears travellers again"), std::string::npos);
}

std::filesystem::path kill_campaign_script() {
  return std::filesystem::path(GATESIM_TEST_DATA).parent_path().parent_path() / "scripts/kill-campaign.sh";
}

// The kill campaign's small version: 10 kills at seeded moments, nothing lost after any.
TEST_F(SoakCommand, KilledTenTimesNothingDecidedIsLost) {
  const auto result = run_shell(concat("GATESIM=", shell_quote(GATESIM_BINARY), " KILL_WINDOW_MS=0:1000 bash ",
                                       shell_quote(kill_campaign_script()), " 10 7"));
  ASSERT_EQ(result.exit_status, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("10 kills (seed 7"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("10 passed, 0 failed"), std::string::npos) << result.out;
  // Every round killed a lane that was deciding: each decided something before its kill.
  std::smatch decided;
  ASSERT_TRUE(std::regex_search(result.out, decided, std::regex(R"(failed; (\d+) transactions decided)"))) << result.out;
  EXPECT_GE(std::stoi(decided[1]), 10) << result.out;
}

// A soak that dies at start decides nothing and is not there to be killed: its round tested
// nothing and fails, although the (empty) logs agree.
TEST_F(SoakCommand, AKillCampaignRoundWhoseSoakDiedAtStartFails) {
  const auto wrapper = dir_ / "dies-at-start";
  {
    std::ofstream out(wrapper);
    out << "#!/bin/sh\n"
           "case \" $* \" in *\" --check-openings \"*) exec " << shell_quote(GATESIM_BINARY) << " \"$@\" ;; esac\n"
           "exit 1\n";
  }
  std::filesystem::permissions(wrapper, std::filesystem::perms::owner_exec, std::filesystem::perm_options::add);
  const auto result = run_shell(concat("GATESIM=", shell_quote(wrapper), " KILL_WINDOW_MS=0:10 bash ",
                                       shell_quote(kill_campaign_script()), " 2 7"));
  EXPECT_NE(result.exit_status, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("0 passed, 2 failed"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("the soak was not running at the kill; no transaction was decided"), std::string::npos)
      << result.out;
}

}  // namespace
}  // namespace gatesim::app
