#pragma once
// Plugins: shared libraries of this project that the program loads when a command needs them,
// so that `gatesim --help`, `check`, `ports` and `simulate` start without OpenCV, dlib or
// libfprint (their libraries pull in ~260 others: Qt, GStreamer, FFmpeg, GLib; ~0.25 s and
// ~80 MB before main). DESIGN.md lists the plugins and what each holds.
//
// A plugin NAME is the file NAME.so, looked for in, first found wins:
//   1. $GATESIM_PLUGIN_DIR when it is set (and then only there: tests and relocated installs);
//   2. the running program's folder (the build tree keeps them next to `gatesim`);
//   3. <program folder>/../lib/gatesim (an installed layout: bin/gatesim, lib/gatesim/NAME.so);
//   4. the build tree's folder of plugins (compiled in), for test and bench programs.
// A plugin is loaded once (RTLD_NOW | RTLD_LOCAL) and stays loaded until the program ends. Each
// links its own copy of the project code it uses and exports only its entry points (extern "C",
// named gatesim_*), so nothing else of it can clash with the program's own symbols.
//
// Thread safety: plugin_symbol() may be called from any thread (dlopen is thread-safe).

#include <stdexcept>
#include <string>

namespace gatesim::models {

// A plugin that is not installed (or does not load, or lacks the entry point): an installation
// problem, not bad input. The command line prints it on one line and exits with status 2.
class PluginMissing : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// ensures: the address of the exported `symbol` of plugin `name`, loading the plugin first.
// throws PluginMissing "plugin NAME (NAME.so, needed for WHAT) ...", naming the folders searched
//        or the loader's error, when it cannot be found or loaded or lacks `symbol`.
void* plugin_symbol(const std::string& name, const char* symbol, const std::string& needed_for);

// The same, as a pointer to a function of type `Function`.
template <class Function>
Function* plugin_function(const std::string& name, const char* symbol, const std::string& needed_for) {
  return reinterpret_cast<Function*>(plugin_symbol(name, symbol, needed_for));
}

}  // namespace gatesim::models

// Marks a plugin's entry points, the only symbols a plugin exports.
#define GATESIM_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))
