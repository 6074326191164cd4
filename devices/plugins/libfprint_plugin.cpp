// The gatesim-fprint plugin: libfprint readers (devices/libfprint_reader.hpp) for
// devices::open_libfprint_reader.
#include "devices/libfprint_reader.hpp"
#include "models/plugin.hpp"

GATESIM_PLUGIN_EXPORT gatesim::devices::FingerprintReader* gatesim_open_libfprint_reader(
    const gatesim::devices::LibfprintOptions& options) {
  return new gatesim::devices::LibfprintReader(options);
}
