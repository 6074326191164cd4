#include "devices/remote_camera.hpp"

#include <opencv2/imgcodecs.hpp>

namespace gatesim::devices {

RemoteCamera::RemoteCamera(boost::asio::ip::tcp::endpoint server, RemoteOptions options, Clock&, std::string name)
    : client_(server, std::move(options), std::move(name)) {}

void RemoteCamera::open() { client_.connect(); }

Frame RemoteCamera::read() {
  const Answer answer = client_.exchange(MessageType::frame_request, "", "a frame", {MessageType::frame});
  const std::string& bytes = answer.frame.jpeg;
  const cv::Mat jpeg(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data()));
  cv::Mat image = cv::imdecode(jpeg, cv::IMREAD_COLOR);
  if (image.empty()) throw DeviceFault(FaultKind::corrupt, name(), "the frame does not decode as JPEG");
  return {image, Duration(answer.frame.timestamp), answer.frame.sequence};
}

}  // namespace gatesim::devices
