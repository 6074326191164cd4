// Device URIs (devices/device_uri.hpp) and their options, as every open_*() reads them.
#include <string>

#include "devices/device_uri.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  gatesim::fuzzing::expect_accept_or_input_error([&] {
    const auto uri = gatesim::devices::parse_device_uri(std::string(gatesim::fuzzing::as_text(data, size)), "--camera");
    gatesim::devices::number_option(uri, "width", 0, 0, 100000);
    gatesim::devices::fault_plan_option(uri);
    gatesim::devices::check_options(uri, "width,height,fps,reconnect,faults,seed");
  });
  return 0;
}
