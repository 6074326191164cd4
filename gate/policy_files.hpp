#pragma once
// The policy folder's files and what they hold, for PolicyData (gate/policy_data.hpp) and the
// build step that compiles the shipped ones into the program. Internal to gate/ and its tests.
//
// The YAML files are the source of truth. yaml-cpp needs 15-40 ms for the shipped 64 KB, more than
// a quick command's whole start-up (docs/performance-startup.md), so the build parses them once
// with parse() (gate/codegen/policy_data_codegen.cpp) and compiles what it read, with the files'
// bytes, into the program (policy_data_compiled.cpp in the build tree). PolicyData::load() uses
// that compiled form for a folder whose files are byte for byte the shipped ones and parses any
// other, so an edited or user-supplied folder is always read as it is.
//
// Thread safety: constants and functions of no shared state; safe from any thread.

#include <array>
#include <filesystem>
#include <string_view>
#include <vector>

#include "gate/policy_data.hpp"
#include "models/port.hpp"

namespace gatesim::gate::policy_files {

// The files of a policy folder, in the order parse() reads them.
inline constexpr std::array<std::string_view, 3> names{"ports.yaml", "transit_240h_countries.yaml", "policy.yaml"};

// What the files hold, checked.
struct Contents {
  std::vector<models::Port> ports;  // ids unique
  std::vector<Country> countries;   // codes unique
  PolicyParameters parameters;
};

// Parses and checks the files in `dir` (policy_yaml.cpp).
// ensures: every port id is unique and a slug, every date real, every enum value known.
// throws: models::InputError naming the file, line and field on the first problem.
Contents parse(const std::filesystem::path& dir);

// The shipped files as the build read them, in the order of `names` (generated).
extern const std::array<std::string_view, names.size()> shipped_bytes;

// What parse() read from them (generated).
Contents shipped();

// ensures: true when every file in `dir` holds exactly its shipped_bytes; false when one differs
//          or cannot be read (parse() then reports why).
bool are_shipped(const std::filesystem::path& dir);

}  // namespace gatesim::gate::policy_files
