// Image-level fidelity mode: travellers at the gates present the shipped face images through the
// real pipeline (dlib models from GATESIM_MODELS or the default cache, as the biometrics tests).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "biometrics/face_analyzer.hpp"
#include "biometrics/image_io.hpp"
#include "biometrics/liveness.hpp"
#include "biometrics/presentation_attacks.hpp"
#include "models/input_error.hpp"
#include "sim/face_images.hpp"
#include "sim/pad_model.hpp"
#include "sim/port_model.hpp"
#include "sim/report.hpp"
#include "tests/support/run_command.hpp"

namespace gatesim::sim {
namespace {

using gatesim::testing::test_data;

std::string people() { return test_data("faces/people/train").string(); }

std::vector<nlohmann::json> records(const std::string& jsonl) {
  std::vector<nlohmann::json> out;
  std::istringstream in(jsonl);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

// Obama on his own permit passes; Biden on Obama's permit is refused by the real pipeline, in
// both gate models.
class ImageMode : public ::testing::TestWithParam<std::string> {};

TEST_P(ImageMode, ImpostorWithSomeoneElsesPermitIsRefused) {
  const auto trace = std::filesystem::temp_directory_path() / ("gatesim-images-" + std::to_string(::getpid()) + ".csv");
  std::ofstream(trace) << "time,residence,impostor,face_image,enrolled_image\n"
                       << "0,hk_macao,false," << people() << "/obama/obama2.jpg," << people() << "/obama/obama.jpg\n"
                       << "30,hk_macao,true," << people() << "/biden/biden.jpg," << people() << "/obama/obama.jpg\n";
  const Scenario s = parse_scenario("name: images\nport: luohu\nduration_hours: 0.1\nchannels: {document_gates: 1, counters: 1}\n"
                                    "biometrics: {mode: images}\n",
                                    "images.yaml", {"arrivals.trace=" + trace.string(), "gate.model=" + GetParam()});
  std::ostringstream travellers;
  RunOptions options;
  options.travellers = &travellers;
  const SimResult r = run_simulation(s, options);
  const auto rows = records(travellers.str());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["decision"], "cleared") << rows[0];
  EXPECT_EQ(rows[0]["route"], nlohmann::json::array({"document_gates"}));
  EXPECT_LT(rows[0]["steps"]["distance"].get<double>(), 0.6);
  EXPECT_EQ(rows[1]["decision"], "refused_entry") << rows[1];
  EXPECT_GT(rows[1]["steps"]["distance"].get<double>(), 0.6);
  EXPECT_NE(rows[1]["reasons"].dump().find("face"), std::string::npos) << rows[1];
  EXPECT_EQ(r.false_matches, 0u);
  EXPECT_EQ(r.impostors_stopped_at_gate, 1u);
  EXPECT_EQ(r.images_analysed, 3u);  // obama2, obama (the template), biden: each once
  EXPECT_EQ(summary_json(r)["biometrics"]["images_analysed"], 3);
  std::filesystem::remove(trace);
}

INSTANTIATE_TEST_SUITE_P(GateModels, ImageMode, ::testing::Values("controller", "sampled"));

// Generated travellers stand for the people of the folder: each distinct image is analysed once
// however many travellers show it, and the measured distances decide.
TEST(ImageModeFolder, PeopleFolderDrivesTheGatesWithCachedDescriptors) {
  const Scenario s = parse_scenario(
      "name: images\nport: shenzhen-bay\nduration_hours: 0.25\nfaces: " + people() +
          "\narrivals: {travellers_per_day: 40000}\n"
          "population: {impostor: 0.2, consent: 1, family_parties: 0, enrolled: 0.5}\n"
          "channels: {document_gates: 4, document_free_gates: 2, counters: 6}\nbiometrics: {mode: images}\n",
      "images.yaml");
  std::ostringstream travellers;
  RunOptions options;
  options.travellers = &travellers;
  const SimResult r = run_simulation(s, options);
  EXPECT_GT(r.face_checks, 100u);
  EXPECT_LE(r.images_analysed, 9u);  // the folder holds 9 images
  EXPECT_GT(r.impostor_attempts, 10u);
  EXPECT_EQ(r.false_matches, 0u);
  std::set<double> distances;
  for (const auto& row : records(travellers.str()))
    if (row.contains("steps") && row["steps"].contains("distance")) distances.insert(row["steps"]["distance"].get<double>());
  EXPECT_GT(distances.size(), 3u);  // measured, per image pair: not one value
  // Same seed, same bytes: the pipeline is deterministic.
  std::ostringstream again;
  options.travellers = &again;
  run_simulation(s, options);
  EXPECT_EQ(travellers.str(), again.str());
}

// Liveness in image-level mode: attackers show a print or a screen replay that AttackGenerator
// makes from the enrolled photo of the face they present, and the real detector judges it (the
// passive cue on one image). Each attacker's referral with face.liveness must be exactly the
// verdict a LivenessSession gives on the same generated image, recomputed here.
TEST(ImageModeFolder, AttacksAreJudgedByTheRealDetector) {
  const std::uint64_t seed = 3;
  const Scenario s = parse_scenario(
      "name: images\nport: shenzhen-bay\nduration_hours: 0.05\nfaces: " + people() +
          "\narrivals: {travellers_per_day: 12000}\n"
          "population: {presentation_attack: 0.5, attack_mix: {print: 0.5, screen: 0.5, moved_photo: 0, frozen: 0},"
          " impostor: 0, consent: 1, family_parties: 0, limited_capacity: 0, enrolled: 0.5}\n"
          "channels: {document_gates: 4, document_free_gates: 2, counters: 6}\n"
          "biometrics: {mode: images, liveness: {mode: passive, frames: 1}}\n",
      "images.yaml");
  std::ostringstream travellers;
  RunOptions options;
  options.seed = seed;
  options.travellers = &travellers;
  const SimResult r = run_simulation(s, options);
  EXPECT_EQ(summary_json(r)["presentation_attacks"]["rates_from"], "detector");

  biometrics::FaceAnalyzer analyzer(biometrics::ModelStore::from_environment(), biometrics::DetectorOptions{});
  const biometrics::LivenessDetector detector(biometrics::PadModelStore::from_environment());
  const biometrics::AttackGenerator generator(seed);
  std::vector<biometrics::IdentityFolder> folder;  // the people with an image, as FaceImages counts them
  for (auto& p : biometrics::list_identity_folders(people()))
    if (!p.images.empty()) folder.push_back(std::move(p));
  int attacks = 0, stopped = 0;
  for (const auto& row : records(travellers.str())) {
    if (!row.contains("presentation_attack") || !row.contains("steps")) continue;
    ++attacks;
    const auto id = row["traveller"].get<std::uint64_t>();
    const auto kind = biometrics::parse_attack_kinds(row["presentation_attack"].get<std::string>()).at(0);
    // The enrolled photo of the person whose permit (or gallery entry) the traveller holds.
    const auto& person = folder[claimed_person(id, folder.size())];
    const cv::Mat attack = generator.image(kind, biometrics::load_image(person.images.front()), id);
    biometrics::LivenessSession session(detector, PadModel::image_config());
    const auto faces = analyzer.detect(attack);
    if (!faces.empty()) session.add(attack, faces.front(), 0);
    const bool live = session.finish().live();
    const bool referred_liveness = row["reasons"].dump().find("face.liveness") != std::string::npos;
    EXPECT_EQ(referred_liveness, !live) << row;
    stopped += referred_liveness ? 1 : 0;
  }
  EXPECT_GT(attacks, 3);
  EXPECT_GT(stopped, 0);  // the generated attacks are not all let through
}

TEST(ImageModeFolder, BadFacesFolderIsInputError) {
  EXPECT_THROW(parse_scenario("name: x\nport: luohu\nbiometrics: {mode: images}\n", "x.yaml"), models::InputError);
  EXPECT_THROW(parse_scenario("name: x\nport: luohu\nbiometrics: {mode: pictures}\n", "x.yaml"), models::InputError);
  const Scenario s = parse_scenario("name: x\nport: luohu\nfaces: /nonexistent\nbiometrics: {mode: images}\n", "x.yaml");
  EXPECT_THROW(run_simulation(s, RunOptions{}), models::InputError);
}

}  // namespace
}  // namespace gatesim::sim
