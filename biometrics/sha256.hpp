#pragma once
// SHA-256 of a file, as lower-case hex; used to check model files, and that check itself.
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

// The check every shipped or fetched model file passes before it is loaded (ModelStore for
// dlib's files, PadModelStore for the anti-spoofing networks).
// ensures: `file` is a regular file whose SHA-256 is `sha256` (hashed now).
// throws models::InputError "model file <file> is missing<how>" or "... is corrupt: SHA-256
//        <actual>, expected <sha256><how>".
void check_model_file(const std::filesystem::path& file, std::string_view sha256, const std::string& how);

}  // namespace gatesim::biometrics
