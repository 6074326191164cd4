#include "devices/remote_readers.hpp"

#include "models/input_error.hpp"

namespace gatesim::devices {

RemoteFingerprintReader::RemoteFingerprintReader(boost::asio::ip::tcp::endpoint server, RemoteOptions options,
                                                 std::string name)
    : client_(server, std::move(options), std::move(name)) {}

FingerprintReading RemoteFingerprintReader::verify(const std::string& holder_id) {
  const Answer answer = client_.exchange(MessageType::touch_request, holder_id, "a touch", {MessageType::touch});
  return {static_cast<FingerprintStatus>(answer.touch.status), answer.touch.score};
}

RemoteDocumentReader::RemoteDocumentReader(boost::asio::ip::tcp::endpoint server, RemoteOptions options,
                                           std::string name)
    : client_(server, std::move(options), std::move(name)) {}

std::optional<ChipRecord> RemoteDocumentReader::read() {
  const Answer answer = client_.exchange(MessageType::document_request, "", "a document",
                                         {MessageType::document, MessageType::no_document});
  if (answer.type == MessageType::no_document) return std::nullopt;
  ++records_;
  try {
    return parse_chip_record(answer.text, name() + ": record " + std::to_string(records_));
  } catch (const models::InputError& e) {
    throw DeviceFault(FaultKind::corrupt, name(), e.what());
  }
}

}  // namespace gatesim::devices
