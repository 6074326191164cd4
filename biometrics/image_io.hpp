#pragma once
// Reading face images from files and memory through OpenCV, with clear refusals.
//
// Accepts what OpenCV decodes (JPEG, PNG 8/16-bit, grey, RGBA, BMP, WebP, TIFF, ...). The result
// is always 8-bit 3-channel BGR: 16-bit samples are scaled down, grey is replicated, alpha is
// dropped, and the EXIF orientation of a JPEG is applied. Image dimensions are read from the
// header first, so a huge declared size is refused before any pixel memory is allocated.
//
// Thread safety: safe from any thread.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

namespace gatesim::biometrics {

// The largest image we decode: 64 megapixels (an 8K frame is 33 MP).
inline constexpr std::size_t kMaxImagePixels = 64u << 20;

struct ImageSize {
  std::size_t width = 0;
  std::size_t height = 0;
};

// ensures: the width and height a PNG, JPEG, BMP, GIF or WebP header declares, or nullopt
//          when the format is not one of those or the header is cut short.
std::optional<ImageSize> declared_image_size(std::span<const unsigned char> bytes);

// requires: `name` says where the bytes came from, for messages.
// ensures: a non-empty 8-bit BGR image of at least 2x2 pixels.
// throws models::InputError("<name>: <what is wrong>") for empty data, undecodable data,
//        a declared size over kMaxImagePixels, or a degenerate image.
cv::Mat decode_image(std::span<const unsigned char> bytes, const std::string& name);

// As decode_image, from a file; also refuses a missing file, a directory, an unreadable file.
cv::Mat load_image(const std::filesystem::path& file);

// Whether the file's extension (any case) is one of the image formats read here: .jpg .jpeg
// .png .bmp .webp .tif .tiff.
bool has_image_extension(const std::filesystem::path& file);

// One person of a folder of people (DIR/<person>/<image>...), the layout of labelled face sets.
struct IdentityFolder {
  std::string name;                           // the sub-folder's name
  std::vector<std::filesystem::path> images;  // its image files, by name
};

// requires: `dir` is a directory.
// ensures: its sub-folders by name, each with its image files by name (may be none); entries
//          whose names start with '.' and files without an image extension are skipped.
std::vector<IdentityFolder> list_identity_folders(const std::filesystem::path& dir);

}  // namespace gatesim::biometrics
