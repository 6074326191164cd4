// The server side of the remote-device protocol (devices/remote_protocol.hpp): what a client's
// bytes reach in DeviceServer — the request length check and decode_request(). The input is
// one message as sent: 4-byte length, then the body.
#include <string>

#include "devices/remote_protocol.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace d = gatesim::devices;
  gatesim::fuzzing::expect_accept_or_input_error([&] {
    const std::string bytes(gatesim::fuzzing::as_text(data, size));
    if (bytes.size() < 4) return;
    const std::uint32_t length = d::length_of({static_cast<unsigned char>(bytes[0]), static_cast<unsigned char>(bytes[1]),
                                               static_cast<unsigned char>(bytes[2]), static_cast<unsigned char>(bytes[3])});
    if (length == 0 || length > d::kMaxRequestBytes || length > bytes.size() - 4) return;
    const d::Request request = d::decode_request(bytes.substr(4, length));
    if (request.type == d::MessageType::touch_request && request.holder_id.empty()) std::abort();
  });
  return 0;
}
