#include "models/install_layout.hpp"

#include <system_error>

namespace gatesim::models {

std::optional<std::filesystem::path> program_folder() {
  std::error_code error;
  const auto program = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return std::nullopt;
  return program.parent_path();
}

std::optional<std::filesystem::path> installed_folder(std::string_view relative) {
  const auto folder = program_folder();
  if (!folder) return std::nullopt;
  auto candidate = folder->parent_path() / relative;
  std::error_code error;
  if (!std::filesystem::is_directory(candidate, error)) return std::nullopt;
  return candidate;
}

}  // namespace gatesim::models
