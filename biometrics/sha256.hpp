#pragma once
// SHA-256 of a file, as lower-case hex; used to check model files.
//
// Thread safety: safe from any thread.

#include <filesystem>
#include <string>
#include <string_view>

namespace gatesim::biometrics {

// ensures: the FIPS 180-4 digest of `bytes`, 64 lower-case hex digits.
std::string sha256_hex(std::string_view bytes);

// throws models::InputError when the file cannot be read.
std::string sha256_file_hex(const std::filesystem::path& file);

}  // namespace gatesim::biometrics
