#include "devices/remote_passage_sensor.hpp"

namespace gatesim::devices {

RemotePassageSensor::RemotePassageSensor(boost::asio::ip::tcp::endpoint server, RemoteOptions options,
                                         std::string name)
    : client_(server, std::move(options), std::move(name)) {}

int RemotePassageSensor::await_clear() {
  return client_.exchange(MessageType::passage_request, "", "a passage", {MessageType::passage}).people;
}

}  // namespace gatesim::devices
