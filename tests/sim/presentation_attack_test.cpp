// Presentation attacks in the population and the liveness check at the simulated gates
// (sim/pad_model.hpp): shares and mix, APCER and BPCER as configured, both gate models alike,
// the check's frames, and bad input. Statistical checks use fixed seeds and bounds of about four
// standard errors, so they fail only when the model is wrong.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "models/input_error.hpp"
#include "sim/pad_model.hpp"
#include "sim/port_model.hpp"
#include "sim/report.hpp"
#include "sim/scenario.hpp"
#include "tests/support/scenario_error.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/shipped_scenarios.hpp"
#include "tests/support/sim_shares.hpp"
#include "tests/support/two_proportions.hpp"

namespace gatesim::sim {
namespace {

using testing::expect_share;
using testing::referred;
using testing::run_yaml;

namespace fs = std::filesystem;
using testing::run_gatesim;

// Adults only (no families, no wards), everyone eligible for the smart channel: Hong Kong and
// Macao residents, half of them enrolled and taking the document-free channel.
std::string hall(const std::string& population, const std::string& biometrics, const std::string& model,
                 double hours = 3) {
  return R"(
name: attacks
port: shenzhen-bay
seed: 7
duration_hours: )" + std::to_string(hours) + R"(
arrivals: {travellers_per_day: 60000}
population: {mainland: 0, hk_macao: 1, taiwan: 0, foreign: 0, consent: 1, family_parties: 0, limited_capacity: 0,
             impostor: 0, expired_document: 0, enrolled: 0.5, document_free_choice: 1, )" + population + R"(}
channels: {document_gates: 20, document_free_gates: 20, counters: 12}
steps: {document: 2, frame: 0.5, exit: 2}
gate: {model: )" + model + R"(}
biometrics: {)" + biometrics + R"(}
)";
}

std::uint64_t sum(const std::array<std::uint64_t, 4>& a) { return a[0] + a[1] + a[2] + a[3]; }

struct Totals {
  std::array<std::uint64_t, 4> attempted{}, passed{}, by_liveness{};
  std::uint64_t live_checked = 0, live_refused = 0;
};
Totals totals(const SimResult& r) {
  Totals t;
  for (const PadCounts& c : r.pad) {
    for (std::size_t k = 0; k < 4; ++k) {
      t.attempted[k] += c.attempted[k];
      t.passed[k] += c.passed[k];
      t.by_liveness[k] += c.stopped_by_liveness[k];
    }
    t.live_checked += c.live_checked;
    t.live_refused += c.live_refused;
  }
  return t;
}

const char* kModels[] = {"sampled", "controller"};

TEST(PresentationAttacks, ShareAndMixAreRespected) {
  const SimResult r = run_yaml(hall("presentation_attack: 0.05, attack_mix: {print: 0.5, screen: 0.3, moved_photo: 0.2, frozen: 0}",
                               "liveness: {bpcer: 0, apcer: {print: 0, screen: 0, moved_photo: 0, frozen: 0}}", "sampled"));
  const Totals t = totals(r);
  ASSERT_GT(r.travellers, 5000u);
  expect_share(sum(t.attempted), r.travellers, 0.05, "attack share");
  expect_share(t.attempted[0], sum(t.attempted), 0.5, "print");
  expect_share(t.attempted[1], sum(t.attempted), 0.3, "screen");
  expect_share(t.attempted[2], sum(t.attempted), 0.2, "moved_photo");
  EXPECT_EQ(t.attempted[3], 0u);
  // Hong Kong residents' attacks go where no permit is needed.
  EXPECT_EQ(sum(r.pad[kDocumentGates].attempted), 0u);
  EXPECT_EQ(sum(r.pad[kDocumentFreeGates].attempted), sum(t.attempted));
}

TEST(PresentationAttacks, AddingAttacksMovesNoOtherDraw) {
  // The same travellers arrive at the same times with the same facts; only who attacks differs.
  auto records = [](const std::string& population) {
    std::stringstream out;
    run_yaml(hall(population, "enabled: false", "sampled", 0.5), 3, &out);
    std::map<std::uint64_t, std::string> by_id;
    for (std::string line; std::getline(out, line);) {
      const auto j = nlohmann::json::parse(line);
      by_id[j["traveller"]] = j["age"].dump() + j["residence"].dump() + j["arrival_s"].dump();
    }
    return by_id;
  };
  const auto without = records("presentation_attack: 0");
  const auto with = records("presentation_attack: 0.2");
  EXPECT_GT(without.size(), 500u);
  EXPECT_EQ(without, with);
}

class BothModels : public ::testing::TestWithParam<const char*> {};

TEST_P(BothModels, ApcerZeroStopsEveryAttackAndOneLetsEveryAttackPass) {
  const std::string population = "presentation_attack: 0.05";
  for (const double apcer : {0.0, 1.0}) {
    const std::string a = std::to_string(apcer);
    const SimResult r = run_yaml(hall(population,
                                 "enabled: false, liveness: {mode: both, bpcer: 0, apcer: {print: " + a + ", screen: " + a +
                                     ", moved_photo: " + a + ", frozen: " + a + "}}",
                                 GetParam()));
    const Totals t = totals(r);
    ASSERT_GT(sum(t.attempted), 100u);
    EXPECT_EQ(sum(t.passed), apcer == 1 ? sum(t.attempted) : 0u) << "APCER " << apcer;
    EXPECT_EQ(sum(t.by_liveness), apcer == 1 ? 0u : sum(t.attempted)) << "APCER " << apcer;
    EXPECT_EQ(t.live_refused, 0u);
    EXPECT_GT(t.live_checked, 5000u);
    // Stopped attackers are refused entry at the counter; the referral names the check.
    if (apcer == 0) {
      EXPECT_EQ(r.refused_entry, sum(t.attempted));
      EXPECT_EQ(r.referrals.at("face.liveness"), sum(t.attempted));
    }
  }
}

TEST_P(BothModels, BpcerRefersLiveTravellersAtItsRate) {
  const SimResult r =
      run_yaml(hall("elderly: 0", "liveness: {mode: passive, bpcer: 0.04, apcer: {print: 0, screen: 0, moved_photo: 0, frozen: 0}}",
               GetParam()));
  const Totals t = totals(r);
  EXPECT_EQ(sum(t.attempted), 0u);
  expect_share(t.live_refused, t.live_checked, 0.04, std::string("BPCER, ") + GetParam());
  // Every face.liveness referral is a live traveller's, counted on both channels.
  EXPECT_EQ(r.referrals.at("face.liveness"), t.live_refused);
  EXPECT_GT(r.pad[kDocumentGates].live_refused, 0u);
  EXPECT_GT(r.pad[kDocumentFreeGates].live_refused, 0u);
}

TEST_P(BothModels, BpcerIsMeasuredOnThoseTheCheckJudged) {
  // Genuine distances around the threshold and one match attempt: about half the travellers'
  // faces fail to match on the first frame, before the check's 3rd. They were never judged, so
  // they count neither as checked nor as refused, and the BPCER is recovered.
  const SimResult r = run_yaml(hall("elderly: 0",
                               "max_match_attempts: 1, frame_failure: 0, genuine_mean: 0.6, genuine_sd: 0.05, "
                               "liveness: {mode: passive, frames: 3, bpcer: 0.1, apcer: {print: 0, screen: 0, moved_photo: 0, frozen: 0}}",
                               GetParam()));
  const Totals t = totals(r);
  const auto referred = [&](const char* code) { return r.referrals.count(code) ? r.referrals.at(code) : 0; };
  EXPECT_GT(referred("face.no_match") + referred("identification.not_found"), 1000u);
  expect_share(t.live_refused, t.live_checked, 0.1, std::string("BPCER, ") + GetParam());
}

TEST_P(BothModels, ATransactionAFaultCutShortBeforeTheCheckIsNotCountedAsChecked) {
  // Each gate faults every 18 s: many transactions end with device.camera, some before the
  // check's 3rd frame reached the gate (the sampled model had drawn the whole transaction; the
  // controller model had asked for the frame). A traveller counts as liveness-checked only when
  // their record shows the check's frames (faces always match, so every frame a record shows
  // was taken; no attacks).
  std::string yaml = hall("elderly: 0", "enabled: false, liveness: {mode: passive, frames: 3, bpcer: 0.1, apcer: {print: 0, "
                                        "screen: 0, moved_photo: 0, frozen: 0}}",
                          GetParam(), 1);
  yaml += "faults: {mtbf_hours: 0.005, repair: 5}\n";
  std::stringstream out;
  const Totals t = totals(run_yaml(yaml, 7, &out));
  std::uint64_t with_check_frames = 0, refused = 0, faulted = 0;
  for (std::string line; std::getline(out, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j.contains("steps") && j["steps"]["frames"].get<int>() >= 3) ++with_check_frames;
    for (const auto& reason : j["reasons"]) {
      if (reason == "device.camera") ++faulted;
      if (reason == "face.liveness") ++refused;
    }
  }
  EXPECT_GT(faulted, 200u);
  EXPECT_EQ(t.live_checked, with_check_frames) << GetParam();
  EXPECT_EQ(t.live_refused, refused) << GetParam();
}

TEST(PresentationAttacks, AFaceWindowThatEndsFirstIsNoBonaFideRefusal) {
  // Frame times with a long tail: some travellers' 3 liveness frames outlast the 5 s window, and
  // the controller refers them face.liveness undecided. With BPCER 0 none is a live traveller
  // the check judged an attack.
  std::string yaml = hall("elderly: 0", "enabled: false, liveness: {mode: passive, bpcer: 0, apcer: {print: 0, screen: 0, "
                                        "moved_photo: 0, frozen: 0}}", "controller", 1);
  yaml.replace(yaml.find("frame: 0.5"), 10, "frame: {median: 0.5, sigma: 1.2}");
  const SimResult r = run_yaml(yaml);
  const Totals t = totals(r);
  EXPECT_GT(r.referrals.at("face.liveness"), 20u);
  EXPECT_GT(t.live_checked, 1000u);
  EXPECT_EQ(t.live_refused, 0u);
}

TEST_P(BothModels, TheCheckTakesItsFramesAtTheFrameTime) {
  // Faces always match at the first frame; liveness needs 4 frames of 0.5 s: every face step
  // at a gate takes 4 frames and 2 s (simulated time), attackers stopped at the 4th.
  std::stringstream out;
  run_yaml(hall("presentation_attack: 0.05, elderly: 0",
           "enabled: false, liveness: {frames: 4, bpcer: 0.1, apcer: {print: 0.5, screen: 0.5, moved_photo: 0.5, frozen: 0.5}}",
           GetParam(), 0.5),
      7, &out);
  std::uint64_t checked = 0, attacks = 0, attacks_passed = 0, live = 0, live_refused = 0;
  for (std::string line; std::getline(out, line);) {
    const auto j = nlohmann::json::parse(line);
    if (!j.contains("steps")) continue;
    ++checked;
    EXPECT_EQ(j["steps"]["frames"], 4) << line;
    EXPECT_NEAR(j["steps"]["face_s"].get<double>(), 2.0, 1e-3) << line;
    // Faces always match: the only reason a gate can give is the check's.
    const bool by_liveness = j["reasons"] == nlohmann::json::array({"face.liveness"});
    EXPECT_TRUE(by_liveness || j["reasons"].empty()) << line;
    if (j.contains("presentation_attack")) {
      ++attacks;
      attacks_passed += by_liveness ? 0 : 1;
      EXPECT_EQ(j["decision"], by_liveness ? "refused_entry" : "cleared") << line;
    } else {
      ++live;
      live_refused += by_liveness ? 1 : 0;
    }
  }
  EXPECT_GT(checked, 1000u);
  EXPECT_GT(attacks, 20u);
  expect_share(attacks_passed, attacks, 0.5, std::string("APCER, ") + GetParam());
  expect_share(live_refused, live, 0.1, std::string("BPCER, ") + GetParam());
}

INSTANTIATE_TEST_SUITE_P(GateModels, BothModels, ::testing::ValuesIn(kModels));

TEST(PresentationAttacks, BothGateModelsAgreeWithinSamplingError) {
  // Real biometric errors too (frame failures, matching), so attacks and live travellers can
  // also fail for other reasons; the two models must still count alike.
  const std::string population = "presentation_attack: 0.05";
  const std::string biometrics =
      "frame_failure: 0.1, liveness: {bpcer: 0.05, apcer: {print: 0.3, screen: 0.1, moved_photo: 0.5, frozen: 0}}";
  const Totals a = totals(run_yaml(hall(population, biometrics, "sampled")));
  const Totals b = totals(run_yaml(hall(population, biometrics, "controller")));
  auto agree = [](std::uint64_t x, std::uint64_t n, std::uint64_t y, std::uint64_t m, const char* what) {
    EXPECT_TRUE(testing::proportions_agree(x, n, y, m, 4, 1e-4)) << what << ": sampled against controller";
  };
  ASSERT_GT(sum(a.attempted), 300u);
  ASSERT_GT(sum(b.attempted), 300u);
  agree(sum(a.passed), sum(a.attempted), sum(b.passed), sum(b.attempted), "attacks passed");
  agree(sum(a.by_liveness), sum(a.attempted), sum(b.by_liveness), sum(b.attempted), "attacks stopped by liveness");
  agree(a.live_refused, a.live_checked, b.live_refused, b.live_checked, "live travellers refused");
  EXPECT_EQ(a.passed[3] + b.passed[3], 0u);  // frozen: APCER 0
}

TEST(PresentationAttacks, AGuardianStoppedByLivenessIsTheOneReferredForItInBothModels) {
  // Every party a guardian (the first member) with a ward; attacks always stopped, live
  // travellers never refused: the one with face.liveness is the attacker, in either gate model.
  const std::string yaml = R"(
name: guardians
port: shenzhen-bay
seed: 7
duration_hours: 2
arrivals: {travellers_per_day: 60000}
population: {mainland: 0, hk_macao: 1, taiwan: 0, foreign: 0, consent: 1, family_parties: 0, limited_capacity: 1,
             impostor: 0, expired_document: 0, enrolled: 0.5, document_free_choice: 1, presentation_attack: 0.1}
channels: {document_gates: 20, document_free_gates: 20, counters: 12}
steps: {document: 2, frame: 0.5, exit: 2}
biometrics: {enabled: false, liveness: {bpcer: 0, apcer: {print: 0, screen: 0, moved_photo: 0, frozen: 0}}}
)";
  for (const char* model : kModels) {
    std::stringstream out;
    const Totals t = totals(run_yaml(yaml + "gate: {model: " + model + "}\n", 7, &out));
    EXPECT_EQ(t.live_refused, 0u) << model;
    std::set<std::uint64_t> parties;
    std::uint64_t stopped = 0, guardians_stopped = 0;
    for (std::string line; std::getline(out, line);) {
      const auto j = nlohmann::json::parse(line);
      const bool guardian = parties.insert(j["party"].get<std::uint64_t>()).second;  // records go in party order
      const bool liveness = j["reasons"].dump().find("face.liveness") != std::string::npos;
      const bool attack = j.contains("presentation_attack");
      EXPECT_TRUE(!liveness || attack) << model << ": a live traveller referred for liveness: " << line;
      if (attack && guardian && j.contains("steps")) {
        EXPECT_TRUE(liveness) << model << ": an attacking guardian checked at a gate and not stopped: " << line;
        guardians_stopped += liveness ? 1 : 0;
      }
      stopped += liveness ? 1 : 0;
    }
    EXPECT_EQ(sum(t.by_liveness), stopped) << model;
    EXPECT_GT(guardians_stopped, 20u) << model;
  }
}

TEST(PresentationAttacks, SummaryAndReportCountThemPerChannel) {
  const SimResult r = run_yaml(hall("presentation_attack: 0.05",
                               "liveness: {bpcer: 0.05, apcer: {print: 0.5, screen: 0, moved_photo: 0, frozen: 0}}", "sampled", 1));
  const auto summary = summary_json(r);
  ASSERT_TRUE(summary.contains("presentation_attacks"));
  const auto& pa = summary["presentation_attacks"];
  EXPECT_EQ(pa["liveness"], "both");
  EXPECT_EQ(pa["rates_from"], "scenario");
  // The counts follow the configured rates: print APCER 0.5, screen 0, BPCER 0.05.
  const auto& free = pa["channels"]["document_free_gates"];
  EXPECT_EQ(free["attacks"]["attempted"], pa["attempted"]);
  const auto& print = free["attacks"]["by_type"]["print"];
  expect_share(print["passed"].get<std::uint64_t>(), print["attempted"].get<std::uint64_t>(), 0.5, "print APCER");
  EXPECT_EQ(free["attacks"]["by_type"]["screen"]["passed"], 0);
  EXPECT_GT(free["attacks"]["by_type"]["screen"]["attempted"].get<int>(), 0);
  expect_share(pa["live_refused"].get<std::uint64_t>(), pa["live_checked"].get<std::uint64_t>(), 0.05, "BPCER");
  EXPECT_GT(pa["channels"]["document_gates"]["live_refused"].get<int>(), 0);
  const std::string html = report_html(r, summary);
  EXPECT_NE(html.find("Presentation attacks and liveness"), std::string::npos);
  // Without attacks or liveness the summary has no such block (earlier outputs stay the same).
  EXPECT_FALSE(summary_json(run_yaml(hall("elderly: 0", "enabled: true", "sampled", 0.2))).contains("presentation_attacks"));
}

// ---- bad input ----

std::string error_of(const std::string& yaml) {
  return gatesim::testing::scenario_error(yaml, {}, [](const Scenario& s) { make_pad_model(s.biometrics, s.population); });
}

TEST(PresentationAttacks, BadScenarioInputNamesFileAndKey) {
  // Each scenario tail (after "name: x\nport: shenzhen-bay\n") and its one error. The
  // pad_calibration rows: a calibration file alone turns the check on, so its frames must fit
  // the face step too.
  const std::pair<std::string, std::string> cases[] = {
      {"population: {presentation_attack: 1.5}\n",
       "port.yaml:3: population.presentation_attack: expected a number in [0, 1], got '1.5'"},
      {"population: {attack_mix: {print: 1, mask: 0.5}}\n",
       "port.yaml:3: population.attack_mix.mask: unknown key (known here: print, screen, moved_photo, frozen)"},
      {"population: {attack_mix: {print: 0, screen: 0, moved_photo: 0, frozen: 0}}\n",
       "port.yaml:3: population.attack_mix: expected attack-type shares that are not all zero, got a mapping"},
      {"population: {attack_mix: {print: -0.1}}\n",
       "port.yaml:3: population.attack_mix.print: expected a number in [0, 1], got '-0.1'"},
      {"biometrics:\n  liveness: {mode: maybe}\n",
       "port.yaml:4: biometrics.liveness.mode: expected off, passive, temporal or both, got 'maybe'"},
      {"biometrics:\n  liveness: {apcer: {print: 0.1}}\n",
       "port.yaml:4: biometrics.liveness.apcer.screen: expected a number in [0, 1], got a mapping"},
      {"biometrics:\n  liveness: {bpcer: 2}\n",
       "port.yaml:4: biometrics.liveness.bpcer: expected a number in [0, 1], got '2'"},
      {"biometrics:\n  max_frames: 4\n  liveness: {frames: 5}\n",
       "port.yaml:5: biometrics.liveness.frames: expected at most biometrics.max_frames (4): the face step's frames, got '5'"},
      {"biometrics:\n  pad_calibration: pad.json\n  liveness: {bpcer: 0.1}\n",
       "port.yaml:5: biometrics.liveness.bpcer: expected no rates here when biometrics.pad_calibration gives them "
       "(one source of PAD error rates), got '0.1'"},
      {"biometrics:\n  pad_calibration: pad.json\n  max_frames: 2\n",
       "port.yaml:5: biometrics.max_frames: expected at least the liveness check's frames (biometrics.liveness.frames, 3): "
       "the check is on (biometrics.pad_calibration) and judges on its last frame, got '2'"},
      {"biometrics:\n  mode: images\n  pad_calibration: pad.json\n",
       "port.yaml:5: biometrics.pad_calibration: expected no PAD error rates with biometrics.mode images (the real detector "
       "judges each image), got 'pad.json'"},
  };
  for (const auto& [tail, error] : cases) EXPECT_EQ(error_of("name: x\nport: shenzhen-bay\n" + tail), error) << tail;
}

class PadCalibration : public ::testing::Test {
 protected:
  fs::path file(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p;
  }
  std::string error_with(const fs::path& file, const std::string& mix = "") {
    return error_of("name: x\nport: shenzhen-bay\npopulation: {presentation_attack: 0.01" + mix +
                    "}\nbiometrics: {pad_calibration: " + file.string() + "}\n");
  }
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("gatesim-pad-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(PadCalibration, ReadsTheEvalPadBlock) {
  const auto p = file("pad.json", R"({"seed": 1, "pad": {"level": "clips", "bpcer": 0.03,
      "apcer": {"print": 0.01, "screen": 0.2, "moved_photo": 0, "frozen": 0}}})");
  const Scenario s = parse_scenario("name: x\nport: shenzhen-bay\nbiometrics: {pad_calibration: " + p.string() + "}\n", "port.yaml");
  const PadModel m = make_pad_model(s.biometrics, s.population);
  EXPECT_EQ(m.mode, biometrics::LivenessMode::both);
  EXPECT_DOUBLE_EQ(m.bpcer, 0.03);
  EXPECT_DOUBLE_EQ(m.apcer[1], 0.2);
  EXPECT_EQ(m.calibrated_from, p.string());
}

TEST_F(PadCalibration, BadFilesNameTheFileAndTheEntry) {
  const std::string suffix = " (biometrics.pad_calibration, from gatesim eval-pad --json)";
  EXPECT_EQ(error_with(dir_ / "missing.json"), (dir_ / "missing.json").string() +
                                                   ": cannot open the PAD calibration file (biometrics.pad_calibration)");
  const auto corrupt = file("corrupt.json", "{\"pad\": {\"bpcer\": ");
  EXPECT_EQ(error_with(corrupt).rfind(corrupt.string() + ": not valid JSON", 0), 0u) << error_with(corrupt);
  const auto no_pad = file("faces.json", R"({"histograms": {}})");
  EXPECT_EQ(error_with(no_pad), no_pad.string() + ": pad: expected the object {\"bpcer\": x, \"apcer\": {\"print\": x, ...}}" + suffix);
  const auto range = file("range.json", R"({"pad": {"bpcer": 1.5, "apcer": {}}})");
  EXPECT_EQ(error_with(range), range.string() + ": pad.bpcer: expected a rate in [0, 1]" + suffix);
  const auto unknown = file("unknown.json", R"({"pad": {"bpcer": 0.1, "apcer": {"mask": 0.5}}})");
  EXPECT_EQ(error_with(unknown),
            unknown.string() + ": pad.apcer.mask: unknown attack type (known: print, screen, moved_photo, frozen)" + suffix);
  // Image-level eval-pad runs measure print and screen only: a mix with clip attacks needs them.
  const auto images = file("images.json", R"({"pad": {"level": "images", "bpcer": 0.1, "apcer": {"print": 0.3, "screen": 0.2}}})");
  EXPECT_EQ(error_with(images), images.string() +
                                    ": pad.apcer.moved_photo: missing, and population.attack_mix gives moved_photo attacks a share "
                                    "(run eval-pad on clips, or set that share to 0)" + suffix);
  EXPECT_EQ(error_with(images, ", attack_mix: {moved_photo: 0, frozen: 0}"), "");
}

TEST(PresentationAttacks, SimulateExitsWith2OnBadInput) {
  const std::string scenario = testing::shipped_scenario("shenzhen-bay-peak");
  const auto out = fs::temp_directory_path() / ("gatesim-pad-cli-" + std::to_string(::getpid()));
  auto r = run_gatesim({"simulate", scenario, "--set", "biometrics.pad_calibration=/nonexistent/pad.json", "--out", out.string()});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_EQ(r.err, "gatesim: /nonexistent/pad.json: cannot open the PAD calibration file (biometrics.pad_calibration)\n");
  r = run_gatesim({"simulate", scenario, "--set", "population.attack_mix.mask=0.1", "--out", out.string()});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_EQ(r.err, "gatesim: --set: population.attack_mix.mask: unknown key (known here: print, screen, moved_photo, frozen)\n");
  fs::remove_all(out);
}

}  // namespace
}  // namespace gatesim::sim
