// Trace replay (sim/trace.hpp) on arbitrary bytes, read both as CSV and as JSON Lines. The
// reader takes a path, so each input goes through a file of this process's own.
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "sim/trace.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string stem =
      (std::filesystem::temp_directory_path() / ("gatesim-trace-fuzz-" + std::to_string(::getpid()))).string();
  for (const char* extension : {".csv", ".jsonl"}) {
    const std::string file = stem + extension;
    std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    gatesim::fuzzing::expect_accept_or_input_error([&] {
      gatesim::sim::TraceReader reader(file, 6.0);
      while (reader.next()) {
      }
    });
    std::filesystem::remove(file);
  }
  return 0;
}
