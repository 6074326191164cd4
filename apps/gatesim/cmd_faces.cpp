// gatesim faces IMAGE...: the faces in each image, their landmarks and quality.
#include <iomanip>
#include <iostream>

#include "apps/gatesim/face_command.hpp"
#include "biometrics/face_quality.hpp"
#include "biometrics/image_io.hpp"

namespace gatesim::app {
namespace {

nlohmann::json face_json(const biometrics::DetectedFace& face, const biometrics::FaceQuality& q) {
  nlohmann::json landmarks = nlohmann::json::array();
  for (const auto& p : face.landmarks) landmarks.push_back({p.x, p.y});
  return {{"box", {{"left", face.box.left}, {"top", face.box.top}, {"right", face.box.right}, {"bottom", face.box.bottom}}},
          {"score", face.detector_score},
          {"landmarks", landmarks},
          {"quality",
           {{"face_width_px", q.face_width_px}, {"inter_eye_px", q.inter_eye_px}, {"sharpness", q.sharpness},
            {"brightness", q.brightness}, {"yaw_deg", q.yaw_deg}, {"acceptable", q.acceptable},
            {"reasons", q.reasons}}}};
}

void print_text(const std::string& image, const std::vector<biometrics::DetectedFace>& faces,
                const biometrics::FrameQuality& frame) {
  std::cout << image << ": " << faces.size() << (faces.size() == 1 ? " face" : " faces") << '\n';
  for (std::size_t i = 0; i < faces.size(); ++i) {
    const auto& f = faces[i];
    const auto& q = frame.faces[i];
    std::cout << "  face " << i + 1 << ": box (" << f.box.left << ", " << f.box.top << ", " << f.box.right << ", "
              << f.box.bottom << ")" << std::fixed << std::setprecision(1) << "  inter-eye " << q.inter_eye_px
              << " px  sharpness " << q.sharpness << "  brightness " << q.brightness << "  yaw " << q.yaw_deg
              << "°  " << (q.acceptable ? "quality ok" : "quality poor") << std::defaultfloat << '\n';
    for (const auto& reason : q.reasons) std::cout << "    - " << reason << '\n';
  }
}

}  // namespace

void add_faces_command(CLI::App& root, CommandContext& context) {
  struct Args {
    std::vector<std::string> images;
    bool json = false;
    FaceOptions face;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("faces", command_description("faces"));
  cmd->add_option("IMAGE", args->images, "Image files")->required();
  cmd->add_flag("--json", args->json, "One JSON object per image");
  args->face.add_to(*cmd);
  cmd->callback([args, &context] {
    biometrics::FaceAnalyzer analyzer(args->face.model_store(), args->face.detector_options());
    for (const auto& path : args->images) {
      const cv::Mat image = biometrics::load_image(path);
      const auto faces = analyzer.detect(image);
      const auto frame = biometrics::assess_frame(image, faces);
      if (args->json) {
        nlohmann::json list = nlohmann::json::array();
        for (std::size_t i = 0; i < faces.size(); ++i) list.push_back(face_json(faces[i], frame.faces[i]));
        print_json({{"image", path}, {"width", image.cols}, {"height", image.rows}, {"faces", list}});
      } else {
        print_text(path, faces, frame);
      }
    }
    context.exit_status = kSuccess;
  });
}

}  // namespace gatesim::app
