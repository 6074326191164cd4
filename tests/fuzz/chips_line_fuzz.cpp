// One line of a chips: file (devices/document_reader.hpp: parse_chip_record), the chip record
// format every document reader and the remote document reader share.
#include <string>

#include "devices/document_reader.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  gatesim::fuzzing::expect_accept_or_input_error([&] {
    gatesim::devices::parse_chip_record(std::string(gatesim::fuzzing::as_text(data, size)), "chips.jsonl:1");
  });
  return 0;
}
