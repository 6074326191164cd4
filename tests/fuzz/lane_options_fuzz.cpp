// A bank of lanes as `gatesim gate` reads it (apps/gatesim/lane_options.hpp): a `--lane
// KEY=VALUE,...` value, or a YAML bank file (`--bank FILE`). The input's first byte chooses: 'l'
// (or anything but 'b') a --lane value, 'b' a bank file whose text is the rest. Either is
// accepted or refused with models::InputError; nothing is opened (the devices are opened later,
// by open_devices, which this does not call).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "apps/gatesim/lane_options.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto text = gatesim::fuzzing::as_text(data + 1, size - 1);
  const gatesim::app::LaneOptions defaults;
  if (data[0] != 'b') {
    gatesim::fuzzing::expect_accept_or_input_error([&] { gatesim::app::parse_bank_lane(std::string(text), defaults, 1); });
    return 0;
  }
  static const auto file =
      std::filesystem::temp_directory_path() / ("gatesim-fuzz-bank-" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  gatesim::fuzzing::expect_accept_or_input_error([&] {
    const auto lanes = gatesim::app::read_bank_file(file, defaults);
    gatesim::app::check_unique_names(lanes, file.string());
  });
  std::filesystem::remove(file);
  return 0;
}
