// gatesim gate: one live lane in real time (the LaneDriver) on a camera, a document source and
// an enrolment gallery; one line per transaction.
#include <algorithm>
#include <deque>
#include <fstream>
#include <iomanip>
#include <iostream>

#include <opencv2/highgui.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "apps/gatesim/command.hpp"
#include "biometrics/image_io.hpp"
#include "gate/lane_driver.hpp"
#include "models/input_error.hpp"

namespace gatesim::app {
namespace {

using gate::Device;
using gate::DeviceFailure;

// A camera by URI over OpenCV: usb:N, v4l2:/dev/videoN, file:VIDEO, dir:FOLDER (image files
// in name order). The end of a file or folder is reported as the camera failing.
class UriCamera {
 public:
  explicit UriCamera(const std::string& uri) {
    const auto colon = uri.find(':');
    const std::string scheme = uri.substr(0, colon), where = colon == std::string::npos ? "" : uri.substr(colon + 1);
    auto bad = [&](const std::string& why) { throw models::InputError("--camera " + uri + ": " + why); };
    if (colon == std::string::npos || where.empty())
      bad("expected usb:N, v4l2:/dev/videoN, file:VIDEO or dir:FOLDER");
    if (scheme == "dir") {
      if (!std::filesystem::is_directory(where)) bad("no such folder");
      for (const auto& entry : std::filesystem::directory_iterator(where))
        if (entry.is_regular_file()) frames_.push_back(entry.path());
      std::sort(frames_.begin(), frames_.end());
      if (frames_.empty()) bad("the folder holds no files");
      return;
    }
    if (scheme == "file") {
      if (!std::filesystem::is_regular_file(where)) bad("no such file");
      capture_.open(where, cv::CAP_FFMPEG);
    } else if (scheme == "usb") {
      if (where.find_first_not_of("0123456789") != std::string::npos) bad("expected a camera index such as usb:0");
      capture_.open(std::stoi(where), cv::CAP_V4L2);
    } else if (scheme == "v4l2") {
      capture_.open(where, cv::CAP_V4L2);
    } else {
      bad("unknown kind '" + scheme + "'; expected usb, v4l2, file or dir");
    }
    if (!capture_.isOpened()) bad("cannot open it");
  }

  bool ended() const { return ended_; }

  cv::Mat next() {
    if (!frames_.empty() || next_frame_ > 0) {
      if (next_frame_ >= frames_.size()) return end("no more frames in the folder");
      return biometrics::load_image(frames_[next_frame_++]);
    }
    cv::Mat frame;
    if (!capture_.read(frame) || frame.empty()) return end("no frame: end of video or camera disconnected");
    return frame;
  }

 private:
  cv::Mat end(const std::string& what) {
    ended_ = true;
    throw DeviceFailure(Device::camera, what);
  }
  cv::VideoCapture capture_;
  std::vector<std::filesystem::path> frames_;
  std::size_t next_frame_ = 0;
  bool ended_ = false;
};

// One traveller of --documents: the permit the reader finds, and (until the policy engine of
// issue 3 is wired in) the verdict recorded with it.
struct DocumentLine {
  gate::DocumentInfo document;
  gate::PolicyChecked verdict;
};

std::deque<DocumentLine> load_documents(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw models::InputError(file + ": cannot read the documents file");
  std::deque<DocumentLine> lines;
  std::string text;
  for (int number = 1; std::getline(in, text); ++number) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = file + ":" + std::to_string(number) + ": ";
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      throw models::InputError(where + "not JSON (" + e.what() + ")");
    }
    auto text_field = [&](const nlohmann::json& o, const char* name, bool required) -> std::string {
      if (!o.contains(name)) {
        if (required) throw models::InputError(where + "missing \"" + name + "\" (a string)");
        return "";
      }
      if (!o[name].is_string()) throw models::InputError(where + "\"" + name + "\" must be a string");
      return o[name].get<std::string>();
    };
    if (!j.is_object()) throw models::InputError(where + "expected an object {\"holder_id\", \"document_number\"}");
    DocumentLine line;
    line.document = {text_field(j, "holder_id", true), text_field(j, "document_number", true)};
    line.verdict.eligible = true;
    if (j.contains("verdict")) {
      const auto& v = j["verdict"];
      if (!v.is_object() || !v.contains("eligible") || !v["eligible"].is_boolean())
        throw models::InputError(where + "\"verdict\" must be an object with a boolean \"eligible\"");
      line.verdict.eligible = v["eligible"].get<bool>();
      for (const auto& r : v.value("reasons", nlohmann::json::array())) {
        if (!r.is_object()) throw models::InputError(where + "each verdict reason is {\"code\", \"detail\"}");
        line.verdict.reasons.push_back({text_field(r, "code", true), text_field(r, "detail", false)});
      }
      line.verdict.guardian_required = v.value("guardian_required", false);
      for (const auto& g : v.value("guardians", nlohmann::json::array())) {
        if (!g.is_string()) throw models::InputError(where + "\"guardians\" must list holder ids");
        line.verdict.guardian_ids.push_back(g.get<std::string>());
      }
    }
    lines.push_back(std::move(line));
  }
  if (lines.empty()) throw models::InputError(file + ": no documents in the file");
  return lines;
}

// Enrolled templates from a folder with one subfolder per holder (FOLDER/<holder_id>/*.jpg):
// each image must hold exactly one face.
std::map<std::string, std::vector<biometrics::FaceDescriptor>> enrol_folder(const std::string& folder,
                                                                            biometrics::FaceAnalyzer& analyzer) {
  if (!std::filesystem::is_directory(folder)) throw models::InputError("--enrolled " + folder + ": no such folder");
  std::map<std::string, std::vector<biometrics::FaceDescriptor>> gallery;
  std::vector<std::filesystem::path> people;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    if (entry.is_directory()) people.push_back(entry.path());
  std::sort(people.begin(), people.end());
  for (const auto& person : people) {
    std::vector<std::filesystem::path> images;
    for (const auto& entry : std::filesystem::directory_iterator(person))
      if (entry.is_regular_file()) images.push_back(entry.path());
    std::sort(images.begin(), images.end());
    for (const auto& file : images) {
      const cv::Mat image = biometrics::load_image(file);
      const auto faces = analyzer.detect(image);
      if (faces.size() != 1)
        throw models::InputError(file.string() + ": " + std::to_string(faces.size()) +
                                 " faces found, an enrolment image needs exactly one");
      gallery[person.filename().string()].push_back(analyzer.describe(image, faces.front()));
    }
  }
  if (gallery.empty()) throw models::InputError("--enrolled " + folder + ": no holder folders with images");
  return gallery;
}

class ConsoleLane : public gate::LaneDevices, public gate::LaneServices {
 public:
  ConsoleLane(UriCamera& camera, std::optional<std::deque<DocumentLine>> documents,
              std::map<std::string, std::vector<biometrics::FaceDescriptor>> gallery)
      : camera_(camera), documents_(std::move(documents)), gallery_(std::move(gallery)) {}

  // Document channel: one traveller per document line. Document-free: travellers keep coming
  // while the camera has frames.
  bool next_traveller() override {
    if (!documents_) return !camera_.ended();
    if (documents_->empty()) return false;
    current_ = documents_->front();
    documents_->pop_front();
    return true;
  }
  gate::DocumentReading read_document(gate::Role role) override {
    if (role == gate::Role::traveller) return {current_.document, ""};
    // The guardian is the next line of the documents file.
    if (!documents_ || documents_->empty()) return {std::nullopt, "no guardian document presented"};
    guardian_ = documents_->front();
    documents_->pop_front();
    return {guardian_.document, ""};
  }
  cv::Mat capture_frame() override { return camera_.next(); }
  gate::FingerprintOutcome capture_fingerprint(const std::string&) override {
    throw DeviceFailure(Device::fingerprint_reader, "this lane has no fingerprint reader");
  }
  void open_barrier() override {}
  bool await_passage() override { return true; }  // no exit sensor: the traveller is through at once
  void close_barrier() override {}
  void show(gate::Signal) override {}
  void alarm(const std::string& what) override { std::cerr << "gatesim gate: ALARM: " << what << '\n'; }

  gate::PolicyChecked check_policy(const gate::CheckPolicy& request) override {
    if (!documents_) {
      gate::PolicyChecked eligible;
      eligible.eligible = true;
      return eligible;
    }
    return request.role == gate::Role::traveller ? current_.verdict : guardian_.verdict;
  }
  std::vector<biometrics::FaceDescriptor> enrolled_faces(const std::string& holder_id) override {
    const auto it = gallery_.find(holder_id);
    return it == gallery_.end() ? std::vector<biometrics::FaceDescriptor>{} : it->second;
  }
  gate::IdentificationDone identify(const biometrics::FaceDescriptor& probe) override {
    std::vector<gate::Candidate> nearest;
    for (const auto& [holder, templates] : gallery_) {
      double best = std::numeric_limits<double>::infinity();
      for (const auto& t : templates) best = std::min(best, biometrics::descriptor_distance(t, probe));
      nearest.push_back({holder, best});
    }
    std::sort(nearest.begin(), nearest.end(), [](const auto& a, const auto& b) { return a.distance < b.distance; });
    gate::IdentificationDone done;
    if (!nearest.empty()) done.best = nearest[0];
    if (nearest.size() > 1) done.second = nearest[1];
    return done;
  }

 private:
  UriCamera& camera_;
  std::optional<std::deque<DocumentLine>> documents_;
  std::map<std::string, std::vector<biometrics::FaceDescriptor>> gallery_;
  DocumentLine current_;
  DocumentLine guardian_;
};

void print_line(const gate::TransactionOutcome& o) {
  std::cout << "#" << o.transaction << ' ' << gate::to_string(o.decision);
  if (!o.holder_id.empty()) std::cout << ' ' << o.holder_id;
  if (!o.people.empty() && o.people[0].distance)
    std::cout << std::fixed << std::setprecision(3) << " distance " << *o.people[0].distance;
  std::cout << std::fixed << std::setprecision(0) << " in "
            << std::chrono::duration<double, std::milli>(o.decided_at - o.started_at).count() << " ms";
  for (const auto& r : o.reasons) std::cout << " [" << gate::to_string(r) << ']';
  std::cout << '\n';
}

// --show: the frame with the face boxes, the quality of the largest, the score and the last
// decision.
class LaneWindow {
 public:
  void frame(const gate::FrameView& view) {
    cv::Mat canvas = view.frame.clone();
    for (const auto& f : view.faces) {
      const auto b = f.box.clipped_to(canvas.cols, canvas.rows);
      const bool ok = view.quality && view.quality->acceptable;
      cv::rectangle(canvas, {int(b.left), int(b.top)}, {int(b.right), int(b.bottom)},
                    ok ? cv::Scalar(0, 200, 0) : cv::Scalar(0, 0, 230), 2);
    }
    std::string text = std::to_string(view.faces.size()) + " face(s)";
    if (view.quality) text += view.quality->acceptable ? ", quality ok" : ", " + view.quality->reasons.front();
    if (view.distance) text += ", distance " + std::to_string(*view.distance).substr(0, 5);
    put(canvas, text, 24);
    put(canvas, decision_, 52);
    cv::imshow("gatesim gate", canvas);
    cv::waitKey(1);
  }
  void outcome(const gate::TransactionOutcome& o) {
    decision_ = "#" + std::to_string(o.transaction) + " " + gate::to_string(o.decision) +
                (o.reasons.empty() ? "" : ": " + o.reasons.front().code);
  }

 private:
  static void put(cv::Mat& canvas, const std::string& text, int y) {
    cv::putText(canvas, text, {10, y}, cv::FONT_HERSHEY_SIMPLEX, 0.7, cv::Scalar(0, 0, 0), 4);
    cv::putText(canvas, text, {10, y}, cv::FONT_HERSHEY_SIMPLEX, 0.7, cv::Scalar(255, 255, 255), 2);
  }
  std::string decision_;
};

}  // namespace

void add_gate_command(CLI::App& root, CommandContext& context) {
  struct Args {
    std::string port = "shenzhen-bay";
    std::string camera, enrolled, documents, audit = "gate-audit.db", keep_images;
    int max_detection_width = 0;
    bool show = false, json = false;
    gate::GateConfig config;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand(
      "gate", "Run one smart-channel lane in real time: camera, documents, faces, audit log (exit 1: someone was referred)");
  cmd->add_option("--port", args->port, "Port the lane belongs to (labels the audit records)");
  cmd->add_option("--camera", args->camera, "Camera: usb:N, v4l2:/dev/videoN, file:VIDEO or dir:FOLDER")->required();
  cmd->add_option("--enrolled", args->enrolled,
                  "Enrolment gallery: a folder with one subfolder of face images per holder id")
      ->required();
  cmd->add_option("--documents", args->documents,
                  "JSON Lines, one traveller per line: {\"holder_id\", \"document_number\", optional \"verdict\": "
                  "{\"eligible\", \"reasons\", \"guardian_required\", \"guardians\"}}; without it the lane is the "
                  "document-free channel");
  cmd->add_option("--audit", args->audit, "Audit log (SQLite) to append to");
  cmd->add_option("--keep-images", args->keep_images, "Keep the analysed frames in this folder (default: keep none)");
  cmd->add_option("--max-detection-width", args->max_detection_width,
                  "Detect faces on a copy scaled down to this width (0: full frame)")
      ->check(CLI::Range(0, 100000));
  cmd->add_option("--max-face-frames", args->config.max_face_frames, "Frames analysed per face step before referral")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--match-threshold", args->config.match_threshold, "1:1 distance below which the holder matches")
      ->check(CLI::Range(0.01, 2.0));
  cmd->add_option("--identification-threshold", args->config.identification_threshold,
                  "1:N distance below which the nearest holder is found (document-free)")
      ->check(CLI::Range(0.01, 2.0));
  cmd->add_option("--identification-margin", args->config.identification_margin,
                  "How much further the second-nearest holder must be (document-free)")
      ->check(CLI::Range(0.0, 1.99));
  cmd->add_flag("--show", args->show, "Show the frames with face box, quality, score and decision in a window");
  cmd->add_flag("--json", args->json, "One JSON object per transaction (JSON Lines)");
  cmd->callback([args, &context] {
    if (args->port.empty() || args->port.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos)
      throw models::InputError("--port " + args->port + ": expected a port name such as shenzhen-bay");
    const auto models = biometrics::ModelStore::from_environment();
    biometrics::DetectorOptions detector = biometrics::kGateCameraDetector;
    detector.max_detection_width = args->max_detection_width;
    std::optional<std::deque<DocumentLine>> documents;
    if (!args->documents.empty()) documents = load_documents(args->documents);
    UriCamera camera(args->camera);
    biometrics::FaceAnalyzer enroller(models, detector);
    auto gallery = enrol_folder(args->enrolled, enroller);
    gate::AuditLog audit(args->audit, args->port);

    gate::GateConfig config = args->config;
    config.channel = documents ? gate::Channel::document : gate::Channel::document_free;
    ConsoleLane lane(camera, std::move(documents), std::move(gallery));
    LaneWindow window;
    gate::LaneDriverOptions options;
    options.detector = detector;
    options.keep_images = args->keep_images;
    bool any_referred = false;
    options.on_outcome = [&](const gate::TransactionOutcome& o) {
      any_referred |= o.decision == gate::Decision::referred;
      if (args->show) window.outcome(o);
      if (args->json) print_json(gate::to_json(o));
      else print_line(o);
      std::cout.flush();
    };
    if (args->show) options.on_frame = [&](const gate::FrameView& view) { window.frame(view); };
    gate::LaneDriver driver(config, models, lane, lane, audit, options);
    driver.run();
    context.exit_status = any_referred ? kNegative : kSuccess;
  });
}

}  // namespace gatesim::app
