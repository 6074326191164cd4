// The client side of the remote-device protocol (devices/remote_protocol.hpp): what a server's
// bytes reach in a tcp:// or tls:// device — the message length check, decode_answer() (a
// passage count never outside 0..kMaxPassagePeople), and a document's record through
// parse_chip_record as RemoteDocumentReader reads it. The input is one message as sent: 4-byte
// length, then the body.
#include <string>

#include "devices/document_reader.hpp"
#include "devices/remote_protocol.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace d = gatesim::devices;
  gatesim::fuzzing::expect_accept_or_input_error([&] {
    const std::string bytes(gatesim::fuzzing::as_text(data, size));
    if (bytes.size() < 4) return;
    const std::uint32_t length = d::length_of({static_cast<unsigned char>(bytes[0]), static_cast<unsigned char>(bytes[1]),
                                               static_cast<unsigned char>(bytes[2]), static_cast<unsigned char>(bytes[3])});
    if (length == 0 || length > d::RemoteOptions{}.max_message_bytes || length > bytes.size() - 4) return;
    const d::Answer answer = d::decode_answer(bytes.substr(4, length));
    if (answer.type == d::MessageType::document) d::parse_chip_record(answer.text, "remote: record 1");
    if (answer.type == d::MessageType::passage && (answer.people < 0 || answer.people > d::kMaxPassagePeople))
      std::abort();
  });
  return 0;
}
