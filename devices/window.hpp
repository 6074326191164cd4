#pragma once
// A window on the screen that shows frames (`gatesim gate --show`). OpenCV's highgui draws it,
// and highgui brings Qt or GTK, so it lives in the gatesim-gui plugin (models/plugin.hpp),
// loaded when the first frame is shown.
//
// Thread safety: call from one thread (highgui's event loop runs in show_frame).

#include <string>

#include <opencv2/core/mat.hpp>

namespace gatesim::devices {

// ensures: `frame` is drawn in the window titled `title` (opened on first use) and the window's
//          pending events are handled.
// throws models::PluginMissing naming the plugin when it is not installed.
void show_frame(const std::string& title, const cv::Mat& frame);

}  // namespace gatesim::devices
