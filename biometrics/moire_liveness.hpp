#pragma once
// MoireLiveness: the display cue over the frames of one face step. A screen shows its picture
// through a grid of pixels and sub-pixels; a camera near enough to resolve it sees a faint
// periodic pattern laid over the whole panel (and, where the grid's pitch beats with the
// sensor's, a moire). A periodic pattern is a sharp peak in the spectrum; a face, skin and a
// room have a smooth one. The pattern is fixed in the camera's view while the replayed face
// moves, so it adds up over frames where the scene's own chance peaks average away.
//
// How: a square around the face (kMoireCropFaceWidths face widths, at most kMoireMaxSide
// pixels, its side fixed at the session's first frame, moved inside the frame at the edges) in
// grey, without its mean, under a Hann window; the magnitude of its 2-D DFT is divided by the
// median magnitude of its ring (the cells of about the same frequency), so each cell says how
// far it stands above the spectrum's own level there; the session averages these over its
// frames.
//   peak = the largest cell of that average at kMoireMinFrequency cycles per pixel and above
//          (below that lie the face's own features: eyes, mouth, hair) (unitless; about 1 where
//          nothing is periodic).
// Left out: the frequencies of 8-pixel block coding (JPEG, H.264), multiples of 1/8 cycle per
// pixel in each direction and the strip along the axes at each of them. Every compressed frame
// carries their pattern, live or not; on the shipped clip a dark, blurred audience face peaked
// at 5.9 there and at 3.4 elsewhere. A display whose grid falls exactly there is missed.
// Measured on the shipped clip as a lane judges it (every window; a live session decides on
// its first 8 frames with a face): live 2.9-3.9, against a threshold of 4.0 (a thin margin,
// on one clip); the generated screen replays whose face was found 3.8-62.6, most above 5
// (docs/liveness.md). Cost: about 2 ms per frame (one DFT of at most 256 x 256).
//
// What it cannot see: a grid finer than the camera resolves (a distant or high-density panel,
// an out-of-focus one), and prints (a halftone's dots, when resolved, look alike: it may stop
// some). A striped shirt or a patterned wall in the square is periodic too: a live traveller in
// front of one may be refused, which is why the cue judges the session's average, not a frame.
//
// Thread safety: one object per thread (it holds the session's sum).

#include <optional>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "biometrics/face_types.hpp"

namespace gatesim::biometrics {

// The square's side in face widths, and its largest side in pixels (the cost: one DFT of it).
inline constexpr double kMoireCropFaceWidths = 3.0;
inline constexpr int kMoireMaxSide = 256;
// A face whose square would be smaller than this is too small to judge: the frame is skipped.
inline constexpr int kMoireMinSide = 48;
// Frames averaged before the cue gives a value: one frame's chance peaks reach 8-9 on live
// faces of the shipped clip, the average of 8 stayed at or below 3.9.
inline constexpr int kMoireMinFrames = 8;
// Cycles per pixel below which the spectrum is the face's own (features of 8 px and more).
inline constexpr double kMoireMinFrequency = 0.12;

class MoireLiveness {
 public:
  // requires: bgr 8-bit 3-channel (or 1-channel grey), the same size on every call; box the
  //           face in it.
  void add(const cv::Mat& bgr, const FaceBox& box);

  // Frames whose spectrum was added (a face too small for kMoireMinSide is not).
  int frames() const { return frames_; }
  // ensures: nullopt before kMoireMinFrames frames were added; else the peak described above.
  std::optional<double> peak() const;

 private:
  struct Cell {
    int index;  // into the magnitude image, row-major
    int ring;
  };
  void prepare(int side);

  int side_ = 0;  // the square's side, fixed by the first frame; 0 before it
  int dft_size_ = 0;
  cv::Mat window_;                        // Hann, side x side
  std::vector<Cell> cells_;               // the cells judged, in the band and not left out
  std::vector<std::vector<float>> rings_; // scratch: one frame's magnitudes per ring
  std::vector<float> sum_;                // per cell, the sum over frames of magnitude / ring median
  int frames_ = 0;
};

}  // namespace gatesim::biometrics
