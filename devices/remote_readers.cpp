#include "devices/remote_readers.hpp"

#include "models/input_error.hpp"

namespace gatesim::devices {

RemoteFingerprintReader::RemoteFingerprintReader(boost::asio::ip::tcp::endpoint server, RemoteOptions options,
                                                 std::string name)
    : client_(server, std::move(options), std::move(name)) {}

FingerprintReading RemoteFingerprintReader::verify(const std::string& holder_id) {
  if (!client_.is_open()) client_.connect();
  const Answer answer = client_.exchange(MessageType::touch_request, holder_id, "a touch");
  if (answer.type != MessageType::touch)
    client_.protocol_error("expected a touch answer, got message type " + std::to_string(int(answer.type)));
  return {static_cast<FingerprintStatus>(answer.touch.status), answer.touch.score};
}

RemoteDocumentReader::RemoteDocumentReader(boost::asio::ip::tcp::endpoint server, RemoteOptions options,
                                           std::string name)
    : client_(server, std::move(options), std::move(name)) {}

std::optional<ChipRecord> RemoteDocumentReader::read() {
  if (!client_.is_open()) client_.connect();
  const Answer answer = client_.exchange(MessageType::document_request, "", "a document");
  if (answer.type == MessageType::no_document) return std::nullopt;
  if (answer.type != MessageType::document)
    client_.protocol_error("expected a document answer, got message type " + std::to_string(int(answer.type)));
  ++records_;
  try {
    return parse_chip_record(answer.text, name() + ": record " + std::to_string(records_));
  } catch (const models::InputError& e) {
    throw DeviceFault(FaultKind::corrupt, name(), e.what());
  }
}

}  // namespace gatesim::devices
