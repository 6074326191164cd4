#include "devices/remote_camera.hpp"

#include <opencv2/imgcodecs.hpp>

namespace gatesim::devices {

RemoteCamera::RemoteCamera(boost::asio::ip::tcp::endpoint server, RemoteOptions options, Clock&, std::string name)
    : client_(server, options, std::move(name)) {}

void RemoteCamera::open() { client_.connect(); }

Frame RemoteCamera::read() {
  const auto [type, payload] = client_.exchange(MessageType::frame_request, "", "a frame");
  if (type != MessageType::frame || payload.size() < 17)
    client_.protocol_error("unexpected message type " + std::to_string(int(type)));
  const cv::Mat jpeg(1, static_cast<int>(payload.size() - 16), CV_8U, const_cast<char*>(payload.data() + 16));
  cv::Mat image = cv::imdecode(jpeg, cv::IMREAD_COLOR);
  if (image.empty()) throw DeviceFault(FaultKind::corrupt, name(), "the frame does not decode as JPEG");
  return {image, Duration(static_cast<std::int64_t>(get_u64(payload, 0))), get_u64(payload, 8)};
}

}  // namespace gatesim::devices
