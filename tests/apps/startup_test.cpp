// The program links each large library only where it is used (models/plugin.hpp): `gatesim
// --help`, `check`, `ports` and `simulate` load neither OpenCV nor dlib nor libfprint, a face
// command loads the face plugin but not video I/O, the GUI or libfprint, and a missing plugin is
// one line naming it (exit 2). The dynamic loader itself reports what it loads (LD_DEBUG=files,
// at start-up and by dlopen), so linking a library back into the program fails here.
#include <algorithm>
#include <regex>
#include <set>

#include <gtest/gtest.h>

#include "tests/support/crossing_cases.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/scratch_folder.hpp"

namespace gatesim::testing {
namespace {

// ensures: the file names of every shared object the dynamic loader loaded for `args`.
std::set<std::string> loaded_objects(const std::vector<std::string>& args, CommandResult* result = nullptr) {
  // Appended piece by piece: g++ 12 -O3 gives a false -Wrestrict on "literal" + std::string&&.
  std::string command = "cd ";
  command += shell_quote(GATESIM_TEST_DATA);
  command += " && LD_DEBUG=files ";
  command += shell_quote(GATESIM_BINARY);
  for (const auto& a : args) {
    command += ' ';
    command += shell_quote(a);
  }
  const CommandResult r = run_shell(command);
  if (result) *result = r;
  std::set<std::string> files;
  static const std::regex file_line(R"(file=(\S+) \[\d+\];\s+(needed by|dynamically loaded by))");
  for (std::sregex_iterator it(r.err.begin(), r.err.end(), file_line), end; it != end; ++it)
    files.insert(std::filesystem::path((*it)[1].str()).filename().string());
  return files;
}

bool any_matches(const std::set<std::string>& files, const std::string& pattern, std::string* which) {
  const std::regex re(pattern);
  for (const auto& f : files)
    if (std::regex_search(f, re)) {
      *which = f;
      return true;
    }
  return false;
}

// The libraries the quick commands must not load, and what brings each.
const std::vector<std::string> kHeavy = {"opencv", "dlib", "fprint", "glib", "gtk", "Qt", "gst", "avcodec", "gatesim-"};

void expect_light(const std::vector<std::string>& args) {
  CommandResult r;
  const auto files = loaded_objects(args, &r);
  EXPECT_EQ(r.exit_status, 0) << r.err.substr(0, 2000);
  ASSERT_FALSE(files.empty()) << "LD_DEBUG reported no loaded object: the check would see nothing";
  EXPECT_TRUE(files.contains("libstdc++.so.6"));
  for (const auto& heavy : kHeavy) {
    std::string which;
    EXPECT_FALSE(any_matches(files, heavy, &which)) << args.front() << " loaded " << which;
  }
  EXPECT_LT(files.size(), 40u) << args.front() << " loaded " << files.size() << " shared objects";
}

class Startup : public ScratchFolderTest {};

TEST_F(Startup, HelpChecksAndPortsLoadNoImageOrFingerprintLibrary) {
  expect_light({"--help"});
  expect_light({"ports"});
  const auto case_file = write("case.json", kEligibleLuohuExitCase);
  expect_light({"check", case_file.string()});
}

TEST_F(Startup, SimulateLoadsNoImageOrFingerprintLibrary) {
  const auto scenario = write("mmc.yaml", R"(name: M/M/2
port: luohu
duration_hours: 1
warmup_hours: 0
arrivals: {travellers_per_day: 8640}
population: {mainland: 0, hk_macao: 1, taiwan: 0, foreign: 0, consent: 1, family_parties: 0, limited_capacity: 0, elderly: 0, impostor: 0, enrolled: 0, expired_document: 0}
channels: {document_gates: 2, document_free_gates: 0, counters: 0}
steps: {document: {mean: 12}, frame: 0, exit: 0}
biometrics: {enabled: false}
gate: {document_timeout_s: 3600, exit_timeout_s: 3600}
)");
  expect_light({"simulate", scenario.string(), "--out", (dir_ / "out").string()});
  EXPECT_TRUE(std::filesystem::exists(dir_ / "out" / "summary.json"));
}

// The control: the same check sees the face plugin, dlib and OpenCV when a face command runs,
// and that plugin brings neither video I/O (GStreamer, FFmpeg), the GUI (Qt/GTK) nor libfprint:
// those are plugins of their own, loaded when a camera, the window or a reader is opened.
TEST_F(Startup, AFaceCommandLoadsTheFacePluginOnly) {
  CommandResult r;
  const auto files = loaded_objects({"faces", "--help"}, &r);
  EXPECT_EQ(r.exit_status, 0) << r.err.substr(0, 2000);
  EXPECT_TRUE(files.contains("gatesim-faces.so"));
  std::string which;
  EXPECT_TRUE(any_matches(files, "libopencv_core", &which));
  EXPECT_TRUE(any_matches(files, "libdlib", &which));
  for (const std::string heavy : {"videoio", "highgui", "fprint", "gst", "avcodec", "Qt", "gtk", "gatesim-video",
                                  "gatesim-gui", "gatesim-fprint"})
    EXPECT_FALSE(any_matches(files, heavy, &which)) << "faces loaded " << which;
}

TEST_F(Startup, AMissingPluginIsNamedWithExitStatus2) {
  // dir_ is an empty folder: no plugin there.
  std::string without = "GATESIM_PLUGIN_DIR=";
  without += shell_quote(dir_.string());
  without += ' ';
  without += shell_quote(GATESIM_BINARY);
  const auto r = run_shell(without + " faces x.jpg");
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("plugin gatesim-faces (gatesim-faces.so, needed for gatesim faces) is not installed"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(dir_.string()), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  // The quick commands do not need it.
  const auto ports = run_shell(without + " ports");
  EXPECT_EQ(ports.exit_status, 0) << ports.err;
  // The image-level mode of simulate does.
  const auto scenario = write("images.yaml", "name: images\nport: luohu\nduration_hours: 0.1\nbiometrics: {mode: images}\n"
                                             "faces: " + test_data("faces/people/train").string() + "\n");
  const auto images = run_shell(without + " simulate " + shell_quote(scenario.string()) + " --out " +
                                shell_quote((dir_ / "out").string()));
  EXPECT_EQ(images.exit_status, 2) << images.err;
  EXPECT_NE(images.err.find("plugin gatesim-faces (gatesim-faces.so, needed for biometrics.mode: images) is not installed"),
            std::string::npos)
      << images.err;
}

// A plugin found but another it needs missing: the face plugin without the video plugin reads
// no video, and says which plugin is missing.
TEST_F(Startup, TheVideoPluginIsNamedWhenOnlyItIsMissing) {
  const auto program_dir = std::filesystem::path(GATESIM_BINARY).parent_path();
  const auto plugins = dir_ / "plugins";
  std::filesystem::create_directories(plugins);
  std::filesystem::create_symlink(program_dir / "gatesim-faces.so", plugins / "gatesim-faces.so");
  const auto clip = test_data("faces/examples/short_hamilton_clip.mp4");
  std::string command = "GATESIM_PLUGIN_DIR=";
  command += shell_quote(plugins.string());
  command += ' ';
  command += shell_quote(GATESIM_BINARY);
  command += " eval-pad ";
  command += shell_quote(clip.string());
  const auto r = run_shell(command);
  EXPECT_EQ(r.exit_status, 2) << r.err;
  EXPECT_NE(r.err.find("plugin gatesim-video (gatesim-video.so, needed for reading " + clip.string() + ") is not installed"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

}  // namespace
}  // namespace gatesim::testing
