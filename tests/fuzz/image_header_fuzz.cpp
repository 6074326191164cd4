// Image decoding (biometrics/image_io.hpp): the header check that refuses huge images before
// allocating, then OpenCV's decoders behind it.
#include <span>

#include "biometrics/image_io.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const unsigned char> bytes(data, size);
  gatesim::biometrics::declared_image_size(bytes);
  gatesim::fuzzing::expect_accept_or_input_error([&] { gatesim::biometrics::decode_image(bytes, "fuzz.jpg"); });
  return 0;
}
