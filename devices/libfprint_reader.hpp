#pragma once
// LibfprintReader: a FingerprintReader on a libfprint device (Debian's libfprint-2): a USB
// sensor libfprint supports, or its virtual_image device, which listens on a UNIX socket
// (environment variable FP_VIRTUAL_IMAGE) for greyscale images: int32 width, int32 height
// (host byte order), then width*height 8-bit pixels. Enrolment (the device's stages, five
// touches for image sensors) and verification (NBIS minutiae, bozorth3 score) happen inside
// libfprint; this class keeps the enrolled prints, one serialized FpPrint per holder, in a
// folder: <prints>/<holder_id>.fpprint (written whole, then renamed into place).
//
// A touch that does not come within `timeout` is a DeviceFault(timeout): libfprint does not
// tell a silent sensor from an idle one, so this backend never reports no_finger. A capture
// libfprint asks to retry (too short, off centre, too few minutiae) is poor_capture.
//
// The class is built into the gatesim-fprint plugin (devices/plugins/libfprint_reader.cpp, with
// libfprint and GLib), so that only a program that opens a libfprint: reader loads them:
// open_libfprint_reader() loads the plugin; tests link the class directly (gatesim_libfprint).
//
// Thread safety: one thread at a time. Calls run GLib's global default main context (that is
// how libfprint's synchronous API waits), so nothing else in the process may run that context
// while a call is in progress; gatesim has no other GLib user.

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "devices/fingerprint_reader.hpp"

namespace gatesim::devices {

struct LibfprintOptions {
  std::string driver;                     // "" the first device; else a driver id: virtual_image, elan, ...
  std::filesystem::path prints = "fingerprints";  // the enrolled prints folder (created if missing)
  std::chrono::milliseconds timeout{10000};       // for each touch
  // For driver virtual_image: the UNIX socket it listens on. When set, the constructor sets
  // FP_VIRTUAL_IMAGE to it (libfprint reads that variable when it looks for devices).
  std::filesystem::path virtual_image_socket;
};

// ensures: a LibfprintReader on `options` from the gatesim-fprint plugin (models/plugin.hpp).
// throws what the constructor throws; models::PluginMissing naming the plugin when it is not
//        installed.
std::unique_ptr<FingerprintReader> open_libfprint_reader(const LibfprintOptions& options);

class LibfprintReader final : public FingerprintReader {
 public:
  // `finger_needed` is called, on the calling thread during enroll() and verify(), each time
  // the device starts waiting for a finger (a lane shows "place your finger"; a test feeds
  // the virtual device its next image).
  // throws DeviceFault (disconnected) when no such device is present or it does not open;
  //        models::InputError when the prints folder cannot be created.
  explicit LibfprintReader(LibfprintOptions options, std::function<void()> finger_needed = {});
  ~LibfprintReader() override;
  LibfprintReader(const LibfprintReader&) = delete;
  LibfprintReader& operator=(const LibfprintReader&) = delete;

  // Touches the enrolment takes.
  int enroll_stages() const;
  // requires: holder_id is 1-64 characters of [A-Za-z0-9_.-], not starting with '.'
  //           (else models::InputError).
  // ensures: the holder's print replaced by a new one made from enroll_stages() touches.
  // throws DeviceFault: timeout, disconnected, corrupt (the device failed the enrolment).
  void enroll(const std::string& holder_id);
  bool enrolled(const std::string& holder_id) const;

  // ensures: libfprint's decision (image devices match at a bozorth3 score of 40); score is the
  //          bozorth3 score / 100, capped at 1. A holder with no enrolled print is not_matched
  //          at once (score 0, no touch).
  FingerprintReading verify(const std::string& holder_id) override;
  std::string name() const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gatesim::devices
