#pragma once
// ScratchFolderTest: a GoogleTest fixture with a fresh temporary folder per test (removed after
// it), and the two things end-to-end tests do with it: copy a shipped test image in, write a
// small input file.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/run_command.hpp"

namespace gatesim::testing {

class ScratchFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "gatesim-test-XXXXXX").string();
    dir_ = ::mkdtemp(pattern.data());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // ensures: tests/data/faces/`from` copied to `to` (relative to the folder, replacing what
  //          was there), parents made.
  std::filesystem::path copy(const std::string& from, const std::filesystem::path& to) {
    std::filesystem::create_directories((dir_ / to).parent_path());
    std::filesystem::copy_file(test_data("faces/" + from), dir_ / to, std::filesystem::copy_options::overwrite_existing);
    return dir_ / to;
  }
  std::filesystem::path write(const std::filesystem::path& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }

  std::filesystem::path dir_;
};

}  // namespace gatesim::testing
