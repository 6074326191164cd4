#include "devices/remote_passage_sensor.hpp"

namespace gatesim::devices {

RemotePassageSensor::RemotePassageSensor(boost::asio::ip::tcp::endpoint server, RemoteOptions options,
                                         std::string name)
    : client_(server, std::move(options), std::move(name)) {}

int RemotePassageSensor::await_clear() {
  if (!client_.is_open()) client_.connect();
  const Answer answer = client_.exchange(MessageType::passage_request, "", "a passage");
  if (answer.type != MessageType::passage)
    client_.protocol_error("expected a passage answer, got message type " + std::to_string(int(answer.type)));
  return answer.people;
}

}  // namespace gatesim::devices
