#pragma once
// Where an installed gatesim keeps its files, relative to its prefix (`cmake --install`; the
// install rules in the top-level CMakeLists.txt use the same folders):
//   PREFIX/bin/gatesim                     the program
//   PREFIX/lib/gatesim/NAME.so             its plugins (models/plugin.hpp)
//   PREFIX/share/gatesim/policy            the policy files (models/data/*.yaml)
//   PREFIX/share/gatesim/anti-spoofing     the liveness networks with their licence and sources
// A program run from the build tree has no such folders; the data's users then fall back to the
// source tree's folders, compiled in, so a build works without being installed.
//
// Thread safety: functions of no shared state; safe from any thread.

#include <filesystem>
#include <optional>
#include <string_view>

namespace gatesim::models {

inline constexpr std::string_view kInstalledPlugins = "lib/gatesim";
inline constexpr std::string_view kInstalledPolicy = "share/gatesim/policy";
inline constexpr std::string_view kInstalledPadModels = "share/gatesim/anti-spoofing";

// ensures: the folder of the running program's executable, if /proc/self/exe can be read.
std::optional<std::filesystem::path> program_folder();

// ensures: PREFIX/relative, where the running program is PREFIX/<folder>/<program>, when that
//          is a folder; otherwise nothing.
std::optional<std::filesystem::path> installed_folder(std::string_view relative);

}  // namespace gatesim::models
