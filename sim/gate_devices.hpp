#pragma once
// GateDevices: what a simulated gate's devices answer for a traveller, drawn alike for both gate
// models (sim/sampled_gate_model.hpp, sim/controller_gate_model.hpp) so they differ only in how
// the transaction is run, never in what the devices say: step times (the scenario's
// distributions, slower for the elderly), face frames (how many faces, whether they pass
// quality), 1:1 match distances, 1:N gallery searches, fingerprint captures, the liveness
// verdict and the exit sensor's count. Statistical mode draws them from the scenario's
// biometric model; image-level mode (BiometricSpec::Mode::images) runs the real face pipeline
// on the traveller's images (sim/face_images.hpp). The ids a gate sees are built here too (tagged_id).
//
// Thread safety: none; one per replication.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "gate/gate_controller.hpp"
#include "sim/biometric_model.hpp"
#include "sim/face_images.hpp"
#include "sim/pad_model.hpp"
#include "sim/port_state.hpp"
#include "sim/random.hpp"
#include "sim/scenario.hpp"
#include "sim/trace.hpp"

namespace gatesim::sim {

class GateDevices {
 public:
  // requires: a checked scenario; `service_rng` (shared with the counters' service times) and
  //           `trace` (nullptr: none) outlive this.
  // throws: models::InputError when image-level mode cannot load its models or folder.
  GateDevices(const Scenario& scenario, std::uint64_t seed, Rng& service_rng, const TraceReader* trace);

  const BiometricModel& biometrics() const { return biometrics_; }
  const PadModel& pad() const { return pad_; }
  // ensures: the image-level pipeline, or nullptr in statistical mode.
  const FaceImages* faces() const { return faces_.get(); }

  // ensures: a draw of `d` for `m`, in simulated time (slower for the elderly).
  SimTime step_time(const Distribution& d, const Member& m) {
    return seconds(sample(d, rng_) * slowdown(m.profile, scenario_.population));
  }

  // The cleared traveller walking out through the open barrier: how long they take, and how
  // many people follow them through uncleared (PopulationSpec::tailgating: 0 or 1). Only a
  // walk within `exit_timeout` can be followed (a barrier that closes first lets nobody else
  // through); that draw is on its own stream, made only when the scenario has tailgaters.
  struct Passage {
    SimTime walk = 0;
    int tailgaters = 0;
  };
  Passage passage(const Member& m, SimTime exit_timeout) {
    const SimTime walk = step_time(scenario_.steps.exit, m);
    const bool followed = tailgating_ > 0 && walk <= exit_timeout && tailgating_rng_.bernoulli(tailgating_);
    return {walk, followed ? 1 : 0};
  }

  // A frame the member shows: how many faces, whether it passes quality, and in image-level
  // mode the analysed image the match that follows compares.
  struct Frame {
    int faces = 1;
    bool quality_ok = true;
    const FaceImages::Analysed* image = nullptr;
  };
  Frame draw_frame(Member& m);

  // ensures: the 1:1 distance between the frame's face and the member's permit.
  double match_distance(const Member& m, const FaceImages::Analysed* frame);

  // The statistical gallery search: the two nearest distances and whose they are, by the tag of
  // their id (kHolderTag: the member; 'X', 'Y': other people). The gallery holds the traveller
  // when enrolled (and not an impostor) plus other people; the nearest other is drawn from the
  // impostor distribution. requires: statistical mode.
  struct Searched {
    double nearest = 0, second = 0;
    char nearest_tag = 'X', second_tag = 'Y';
  };
  Searched search_gallery(const Member& m);

  // The gallery's two nearest people to the frame's face, as the controller is told them
  // (search_gallery's with ids, or in image-level mode a 1:N over the folder), at `at`.
  gate::IdentificationDone identify(const Member& m, const FaceImages::Analysed* frame, std::uint64_t request,
                                    gate::Time at);

  bool fingerprint_matches(const Member& m) {
    return !m.profile.impostor && !(biometrics_.enabled && rng_.bernoulli(biometrics_.fingerprint_fnmr));
  }

  // The lane's liveness verdict on `m`, decided once and kept (Member::judged_live), so both
  // gate models and every frame of the controller's face step see the same decision.
  bool judged_live(Member& m);

  // ensures: the trace's image `index`; empty for 0 (none given).
  std::filesystem::path trace_image(std::uint32_t index) const;

  // Ids a gate sees: "P<n>" a traveller's (holder or permit), "D<n>" a document, "X<n>"/"Y<n>"
  // the people a gallery search finds nearest to traveller n. Built in a buffer, one string
  // construction per id (g++ 12 gives a false -Wrestrict on "literal" + std::string&&).
  static std::string tagged_id(char tag, std::uint64_t id);
  // The same id written over `into` (its buffer reused: no allocation once it is long enough).
  static void assign_tagged_id(std::string& into, char tag, std::uint64_t id);
  static constexpr char kHolderTag = 'P';
  static std::string holder_id(const Member& m) { return tagged_id(kHolderTag, person(m)); }
  // A statistical gallery search's id for `tag` (Searched): the member's own, or someone else near them.
  static std::string gallery_id(char tag, const Member& m) {
    return tag == kHolderTag ? holder_id(m) : tagged_id(tag, m.id);
  }

 private:
  double distance(bool same_person) {
    if (!biometrics_.enabled) return same_person ? 0.0 : 1.0;
    return (same_person ? biometrics_.genuine : biometrics_.impostor).sample(rng_);
  }
  // Image-level mode.
  bool from_folder(const Member& m, bool enrolled_photo) const;
  std::size_t claimed_person(const Member& m) const;
  std::size_t shown_person(const Member& m) const;
  std::filesystem::path template_image(const Member& m) const;
  std::filesystem::path shown_image(const Member& m, std::size_t attempt) const;
  gate::IdentificationDone identify_image(const Member& m, const biometrics::FaceDescriptor& probe,
                                          std::uint64_t request, gate::Time at);

  const Scenario& scenario_;
  Rng& rng_;
  BiometricModel biometrics_;
  PadModel pad_;
  Rng pad_rng_;
  const double tailgating_;  // PopulationSpec::tailgating
  Rng tailgating_rng_;
  std::unique_ptr<FaceImages> faces_;  // image-level mode
  const TraceReader* trace_;
};

}  // namespace gatesim::sim
