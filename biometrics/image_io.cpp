#include "biometrics/image_io.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "models/input_error.hpp"

namespace gatesim::biometrics {
namespace {

std::size_t big_endian(std::span<const unsigned char> b, std::size_t at, int bytes) {
  std::size_t value = 0;
  for (int i = 0; i < bytes; ++i) value = value << 8 | b[at + i];
  return value;
}

std::size_t little_endian(std::span<const unsigned char> b, std::size_t at, int bytes) {
  std::size_t value = 0;
  for (int i = bytes - 1; i >= 0; --i) value = value << 8 | b[at + i];
  return value;
}

bool starts_with(std::span<const unsigned char> b, std::size_t at, std::string_view magic) {
  if (b.size() < at + magic.size()) return false;
  for (std::size_t i = 0; i < magic.size(); ++i)
    if (b[at + i] != static_cast<unsigned char>(magic[i])) return false;
  return true;
}

std::optional<ImageSize> jpeg_size(std::span<const unsigned char> b) {
  std::size_t at = 2;
  while (at + 9 < b.size()) {
    if (b[at] != 0xFF) return std::nullopt;
    unsigned char marker = b[at + 1];
    if (marker == 0xFF) { ++at; continue; }
    if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) { at += 2; continue; }
    std::size_t length = big_endian(b, at + 2, 2);
    // Start-of-frame markers carry the size: C0..CF except C4 (DHT), C8 (JPG), CC (DAC).
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC)
      return ImageSize{big_endian(b, at + 7, 2), big_endian(b, at + 5, 2)};
    if (length < 2) return std::nullopt;
    at += 2 + length;
  }
  return std::nullopt;
}

std::optional<ImageSize> webp_size(std::span<const unsigned char> b) {
  if (starts_with(b, 12, "VP8X") && b.size() >= 30)
    return ImageSize{little_endian(b, 24, 3) + 1, little_endian(b, 27, 3) + 1};
  if (starts_with(b, 12, "VP8L") && b.size() >= 25) {
    std::size_t bits = little_endian(b, 21, 4);
    return ImageSize{(bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1};
  }
  if (starts_with(b, 12, "VP8 ") && b.size() >= 30)
    return ImageSize{little_endian(b, 26, 2) & 0x3FFF, little_endian(b, 28, 2) & 0x3FFF};
  return std::nullopt;
}

// libjpeg decodes a truncated file into a partly grey image with only a warning; a face
// found in that would be a silent wrong answer. The main image's last start-of-scan (FFDA)
// must be followed by an end-of-image (FFD9); a stuffed entropy stream contains neither.
bool jpeg_is_truncated(std::span<const unsigned char> b) {
  std::size_t last_scan = 0, last_end = 0;
  for (std::size_t i = 0; i + 1 < b.size(); ++i) {
    if (b[i] != 0xFF) continue;
    if (b[i + 1] == 0xDA) last_scan = i;
    if (b[i + 1] == 0xD9) last_end = i;
  }
  return last_scan == 0 || last_end < last_scan;
}

}  // namespace

std::optional<ImageSize> declared_image_size(std::span<const unsigned char> b) {
  if (starts_with(b, 0, "\x89PNG\r\n\x1a\n") && b.size() >= 24)
    return ImageSize{big_endian(b, 16, 4), big_endian(b, 20, 4)};
  if (b.size() >= 4 && b[0] == 0xFF && b[1] == 0xD8) return jpeg_size(b);
  if (starts_with(b, 0, "BM") && b.size() >= 26) {
    // BITMAPINFOHEADER: signed height, negative for top-down rows.
    auto height = static_cast<std::int32_t>(little_endian(b, 22, 4));
    return ImageSize{little_endian(b, 18, 4), static_cast<std::size_t>(height < 0 ? -static_cast<std::int64_t>(height) : height)};
  }
  if ((starts_with(b, 0, "GIF87a") || starts_with(b, 0, "GIF89a")) && b.size() >= 10)
    return ImageSize{little_endian(b, 6, 2), little_endian(b, 8, 2)};
  if (starts_with(b, 0, "RIFF") && starts_with(b, 8, "WEBP")) return webp_size(b);
  return std::nullopt;
}

cv::Mat decode_image(std::span<const unsigned char> bytes, const std::string& name) {
  if (bytes.empty()) throw models::InputError(name + ": empty file, expected an image");
  if (auto size = declared_image_size(bytes)) {
    if (size->width == 0 || size->height == 0)
      throw models::InputError(name + ": the image header declares a zero size");
    if (size->width > kMaxImagePixels / size->height)
      throw models::InputError(name + ": the image header declares " + std::to_string(size->width) + "x" +
                               std::to_string(size->height) + " pixels, more than the " +
                               std::to_string(kMaxImagePixels >> 20) + " megapixels accepted");
  }
  if (bytes.size() >= 2 && bytes[0] == 0xFF && bytes[1] == 0xD8 && jpeg_is_truncated(bytes))
    throw models::InputError(name + ": truncated JPEG (no end-of-image marker after the last scan)");
  cv::Mat encoded(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<unsigned char*>(bytes.data()));
  cv::Mat image;
  try {
    image = cv::imdecode(encoded, cv::IMREAD_COLOR);  // applies EXIF orientation, 16-bit -> 8-bit
  } catch (const cv::Exception& e) {
    throw models::InputError(name + ": cannot decode the image (" + e.err + ")");
  }
  if (image.empty())
    throw models::InputError(name + ": not a readable image (corrupt, truncated, or not an image format OpenCV decodes)");
  if (image.cols < 2 || image.rows < 2)
    throw models::InputError(name + ": image is " + std::to_string(image.cols) + "x" + std::to_string(image.rows) +
                             " pixels, too small to hold a face");
  return image;
}

cv::Mat load_image(const std::filesystem::path& file) {
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  if (!std::filesystem::exists(status)) throw models::InputError(file.string() + ": no such file");
  if (std::filesystem::is_directory(status))
    throw models::InputError(file.string() + ": is a directory, expected an image file");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw models::InputError(file.string() + ": cannot open for reading");
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw models::InputError(file.string() + ": read error");
  return decode_image(bytes, file.string());
}

bool has_image_extension(const std::filesystem::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static const char* const kExtensions[] = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"};
  return std::any_of(std::begin(kExtensions), std::end(kExtensions), [&](const char* e) { return ext == e; });
}

std::vector<IdentityFolder> list_identity_folders(const std::filesystem::path& dir) {
  auto sorted = [](const std::filesystem::path& folder, bool directories) {
    std::vector<std::filesystem::path> found;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
      if (entry.path().filename().string().starts_with(".")) continue;
      if (directories ? entry.is_directory() : (entry.is_regular_file() && has_image_extension(entry.path())))
        found.push_back(entry.path());
    }
    std::sort(found.begin(), found.end());
    return found;
  };
  std::vector<IdentityFolder> people;
  for (const auto& folder : sorted(dir, true)) people.push_back({folder.filename().string(), sorted(folder, false)});
  return people;
}

}  // namespace gatesim::biometrics
