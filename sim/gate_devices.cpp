#include "sim/gate_devices.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <vector>

#include "biometrics/presentation_attacks.hpp"
#include "models/input_error.hpp"

namespace gatesim::sim {

GateDevices::GateDevices(const Scenario& scenario, std::uint64_t seed, Rng& service_rng, const TraceReader* trace)
    : scenario_(scenario), rng_(service_rng), biometrics_(make_biometric_model(scenario.biometrics)),
      pad_(make_pad_model(scenario.biometrics, scenario.population)), pad_rng_(seed, 6),
      tailgating_(scenario.population.tailgating), tailgating_rng_(seed, 8), trace_(trace) {
  if (scenario.biometrics.mode == BiometricSpec::Mode::images)
    faces_ = open_face_images(scenario.faces, scenario.biometrics.models.empty()
                                                  ? biometrics::ModelStore::from_environment()
                                                  : biometrics::ModelStore(scenario.biometrics.models));
  if (faces_ && pad_.on()) faces_->enable_liveness(biometrics::PadModelStore::from_environment(), seed);
}

GateDevices::Frame GateDevices::draw_frame(Member& m) {
  if (faces_) {  // the next image the traveller shows, through the real pipeline
    const FaceImages::Analysed& image = faces_->analyse(shown_image(m, m.presented++));
    return {static_cast<int>(image.faces), image.acceptable, &image};
  }
  return {1, !biometrics_.enabled || !rng_.bernoulli(biometrics_.frame_failure), nullptr};
}

double GateDevices::match_distance(const Member& m, const FaceImages::Analysed* frame) {
  return faces_ ? biometrics::descriptor_distance(*frame->descriptor, faces_->enrolled(template_image(m)))
                : distance(!m.profile.impostor);
}

GateDevices::Searched GateDevices::search_gallery(const Member& m) {
  Searched s;
  s.nearest = distance(false);
  if (m.profile.enrolled && !m.profile.impostor) {  // the member and the nearest other; the next other is not needed
    s.second = distance(true);
    s.second_tag = kHolderTag;
  } else {
    s.second = distance(false);
  }
  if (s.second < s.nearest) {
    std::swap(s.nearest, s.second);
    std::swap(s.nearest_tag, s.second_tag);
  }
  return s;
}

gate::IdentificationDone GateDevices::identify(const Member& m, const FaceImages::Analysed* frame,
                                               std::uint64_t request, gate::Time at) {
  if (faces_) return identify_image(m, *frame->descriptor, request, at);
  const Searched found = search_gallery(m);
  return gate::IdentificationDone{at, request, gate::Candidate{gallery_id(found.nearest_tag, m), found.nearest},
                                  gate::Candidate{gallery_id(found.second_tag, m), found.second}};
}

// Drawn from the lane's error rates (PadModel::judged_live), or in image-level mode the real
// detector's verdict (biometrics::judge_liveness) on the image the traveller shows, or for an
// attacker on the attack made from the enrolled photo of the face they present.
bool GateDevices::judged_live(Member& m) {
  if (m.judged_live >= 0) return m.judged_live == 1;
  bool live = false;
  if (faces_) {
    const auto attack =
        m.profile.attack ? std::optional(static_cast<biometrics::AttackKind>(m.profile.attack_kind)) : std::nullopt;
    const auto measured = faces_->liveness(attack ? template_image(m) : shown_image(m, 0), attack, m.id);
    live = biometrics::judge_liveness(measured, faces_->liveness_config(), 0, true).live();
  } else {
    live = pad_.judged_live(m.profile.attack, m.profile.attack_kind, pad_rng_);
  }
  m.judged_live = live ? 1 : 0;
  return live;
}

std::filesystem::path GateDevices::trace_image(std::uint32_t index) const {
  if (index == 0) return {};
  return trace_->image(index);
}

std::string GateDevices::tagged_id(char tag, std::uint64_t id) {
  char text[24] = {tag};
  return {text, std::to_chars(text + 1, text + sizeof text, id).ptr};
}

void GateDevices::assign_tagged_id(std::string& into, char tag, std::uint64_t id) {
  char text[24] = {tag};
  into.assign(text, std::to_chars(text + 1, text + sizeof text, id).ptr);
}

// ---- image-level mode ----
// A generated traveller stands for a person of the faces folder: the one whose permit (or
// gallery entry) they hold, by traveller id; an impostor shows another person's face.
// A trace row's face_image / enrolled_image come first.
bool GateDevices::from_folder(const Member& m, bool enrolled_photo) const {
  const std::uint32_t image = enrolled_photo ? m.profile.enrolled_image : m.profile.face_image;
  if (image) return false;
  if (faces_->people() == 0)
    throw models::InputError(scenario_.arrivals.trace + ": traveller " + std::to_string(m.id) +
                             " has no face_image / enrolled_image and the scenario names no faces folder");
  return true;
}

std::size_t GateDevices::claimed_person(const Member& m) const {
  return sim::claimed_person(person(m), faces_->people());
}

std::size_t GateDevices::shown_person(const Member& m) const {
  return sim::shown_person(person(m), faces_->people(), m.profile.impostor);
}

std::filesystem::path GateDevices::template_image(const Member& m) const {
  return from_folder(m, true) ? faces_->template_image(claimed_person(m)) : trace_image(m.profile.enrolled_image);
}

std::filesystem::path GateDevices::shown_image(const Member& m, std::size_t attempt) const {
  return from_folder(m, false) ? faces_->presented_image(shown_person(m), attempt) : trace_image(m.profile.face_image);
}

// 1:N over the enrolled: the traveller's own template (not an impostor's: they are not
// enrolled) and every other person of the folder, the impostor's own face excepted.
gate::IdentificationDone GateDevices::identify_image(const Member& m, const biometrics::FaceDescriptor& probe,
                                                     std::uint64_t request, gate::Time at) {
  std::vector<gate::Candidate> found;
  if (!m.profile.impostor)
    found.push_back({holder_id(m), biometrics::descriptor_distance(probe, faces_->enrolled(template_image(m)))});
  const bool folder = m.profile.face_image == 0;
  for (std::size_t someone = 0; someone < faces_->people(); ++someone) {
    if (folder && (someone == shown_person(m) || (!m.profile.impostor && someone == claimed_person(m)))) continue;
    found.push_back({tagged_id('X', someone),
                     biometrics::descriptor_distance(probe, faces_->enrolled(faces_->template_image(someone)))});
  }
  std::stable_sort(found.begin(), found.end(), [](const auto& x, const auto& y) { return x.distance < y.distance; });
  gate::IdentificationDone done{at, request, std::nullopt, std::nullopt};
  if (!found.empty()) done.best = found[0];
  if (found.size() > 1) done.second = found[1];
  return done;
}

}  // namespace gatesim::sim
