// show_frame() through the gatesim-gui plugin (devices/window.hpp).
#include "devices/window.hpp"

#include "models/plugin.hpp"

namespace gatesim::devices {

void show_frame(const std::string& title, const cv::Mat& frame) {
  using Show = void(const std::string&, const cv::Mat&);
  static Show* const show = models::plugin_function<Show>("gatesim-gui", "gatesim_show_frame", "the --show window");
  show(title, frame);
}

}  // namespace gatesim::devices
