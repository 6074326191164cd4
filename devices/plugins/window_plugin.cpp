// The gatesim-gui plugin: OpenCV's highgui behind devices::show_frame (devices/window.hpp).
#include <string>

#include <opencv2/highgui.hpp>

#include "models/plugin.hpp"

GATESIM_PLUGIN_EXPORT void gatesim_show_frame(const std::string& title, const cv::Mat& frame) {
  cv::imshow(title, frame);
  cv::waitKey(1);
}
