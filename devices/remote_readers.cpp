#include "devices/remote_readers.hpp"

#include <bit>

#include "models/input_error.hpp"

namespace gatesim::devices {

RemoteFingerprintReader::RemoteFingerprintReader(boost::asio::ip::tcp::endpoint server, RemoteOptions options,
                                                 std::string name)
    : client_(server, options, std::move(name)) {}

FingerprintReading RemoteFingerprintReader::verify(const std::string& holder_id) {
  if (!client_.is_open()) client_.connect();
  const auto [type, payload] = client_.exchange(MessageType::touch_request, holder_id, "a touch");
  if (type != MessageType::touch || payload.size() != 9)
    client_.protocol_error("expected a touch answer, got message type " + std::to_string(int(type)));
  const auto status = static_cast<unsigned char>(payload[0]);
  const double score = std::bit_cast<double>(get_u64(payload, 1));
  if (status > static_cast<unsigned char>(FingerprintStatus::poor_capture) || !(score >= 0 && score <= 1))
    client_.protocol_error("a touch answer out of range (status " + std::to_string(status) + ", score " +
                           std::to_string(score) + ")");
  return {static_cast<FingerprintStatus>(status), score};
}

RemoteDocumentReader::RemoteDocumentReader(boost::asio::ip::tcp::endpoint server, RemoteOptions options,
                                           std::string name)
    : client_(server, options, std::move(name)) {}

std::optional<ChipRecord> RemoteDocumentReader::read() {
  if (!client_.is_open()) client_.connect();
  const auto [type, payload] = client_.exchange(MessageType::document_request, "", "a document");
  if (type == MessageType::no_document && payload.empty()) return std::nullopt;
  if (type != MessageType::document)
    client_.protocol_error("expected a document answer, got message type " + std::to_string(int(type)));
  ++records_;
  try {
    return parse_chip_record(payload, name() + ": record " + std::to_string(records_));
  } catch (const models::InputError& e) {
    throw DeviceFault(FaultKind::corrupt, name(), e.what());
  }
}

}  // namespace gatesim::devices
