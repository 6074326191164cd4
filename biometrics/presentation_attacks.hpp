#pragma once
// Presentation attacks made from bona fide images and clips, deterministic by seed: the test
// material of `gatesim eval-pad` and of the liveness tests (there is no public attack data we
// may ship). Each kind imitates what an attacker at a gate camera shows it:
//   print        the face printed on paper and held up: reduced gamut and contrast, ordered
//                dither (halftone), paper tint and texture, ink blur; re-photographed with a
//                perspective tilt, a curl of the sheet, a glare spot, uneven light, sensor noise
//                and JPEG. In a clip the sheet is moved by hand (rigid 3-D motion).
//   screen       the image or the clip replayed on a display: gamma and colour of the panel,
//                the sub-pixel grid sampled by the camera (moiré), the bezel around the panel,
//                refresh flicker (rolling bands whose phase changes each frame), sensor noise
//                and JPEG. In a clip the replay plays the bona fide frames (the face moves
//                naturally inside the panel).
//   moved_photo  a clip: one bona fide frame, untouched, under rigid 2-D/3-D motion (zoom, pan,
//                tilt), as a still fed to a camera stream or held up on a tablet; fresh sensor
//                noise in each frame.
//   frozen       a clip: one bona fide frame repeated unchanged.
// Print and screen apply to images and clips; moved_photo and frozen only to clips.
//
// Thread safety: the generator is an immutable value; its functions may run concurrently.

#include <cstdint>
#include <string_view>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "biometrics/attack_kind.hpp"

namespace gatesim::biometrics {

class AttackGenerator {
 public:
  explicit AttackGenerator(std::uint64_t seed) : seed_(seed) {}

  // requires: kind is print or screen; bona_fide 8-bit BGR, at least 32x32.
  // ensures: the attack image, the size of the original; the same (seed, kind, variant) gives
  //          the same pixels.
  cv::Mat image(AttackKind kind, const cv::Mat& bona_fide, std::uint64_t variant) const;

  // requires: frames non-empty, 8-bit BGR, one size, at least 32x32; still < frames.size().
  // ensures: as many frames as given, each the size of the originals: print, moved_photo and
  //          frozen use frames[still] only (pick one that shows the face); screen replays every
  //          frame.
  std::vector<cv::Mat> clip(AttackKind kind, const std::vector<cv::Mat>& frames, std::uint64_t variant,
                            std::size_t still = 0) const;

 private:
  std::uint64_t seed_;
};

}  // namespace gatesim::biometrics
