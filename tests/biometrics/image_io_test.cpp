// Reading images: every format the gate may meet, and a clear refusal for everything else.
#include "biometrics/image_io.hpp"

#include <fstream>

#include <unistd.h>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "models/input_error.hpp"
#include "tests/support/run_command.hpp"

namespace gatesim::biometrics {
namespace {

using gatesim::testing::test_data;
namespace fs = std::filesystem;

class ImageIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("gatesim-image-io-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write_bytes(const std::string& name, const std::string& bytes) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  static std::string read_bytes(const fs::path& path) {
    std::string bytes(fs::file_size(path), '\0');
    std::ifstream(path, std::ios::binary).read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return bytes;
  }

  // The message of the InputError load_image throws, or "" when it does not throw.
  static std::string refusal(const fs::path& path) {
    try {
      load_image(path);
    } catch (const models::InputError& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
};

TEST_F(ImageIoTest, MissingFile) {
  EXPECT_EQ(refusal(dir_ / "absent.jpg"), (dir_ / "absent.jpg").string() + ": no such file");
}

TEST_F(ImageIoTest, Directory) { EXPECT_NE(refusal(dir_).find("is a directory"), std::string::npos); }

TEST_F(ImageIoTest, ZeroByteFile) {
  EXPECT_NE(refusal(write_bytes("empty.jpg", "")).find("empty file"), std::string::npos);
}

TEST_F(ImageIoTest, TextFileNamedJpeg) {
  const auto message = refusal(write_bytes("notes.jpg", "these are not pixels\n"));
  EXPECT_NE(message.find("notes.jpg: not a readable image"), std::string::npos) << message;
}

TEST_F(ImageIoTest, TruncatedJpeg) {
  const std::string whole = read_bytes(test_data("faces/reference/obama.jpg"));
  const auto message = refusal(write_bytes("cut.jpg", whole.substr(0, whole.size() / 2)));
  EXPECT_NE(message.find("truncated JPEG"), std::string::npos) << message;
}

TEST_F(ImageIoTest, OnePixelImage) {
  const auto path = dir_ / "dot.png";
  cv::imwrite(path.string(), cv::Mat(1, 1, CV_8UC3, cv::Scalar(1, 2, 3)));
  EXPECT_NE(refusal(path).find("1x1 pixels, too small"), std::string::npos);
}

// A PNG header declaring 30000x30000 pixels (2.7 GB of BGR): refused from the header alone.
TEST_F(ImageIoTest, HugeDeclaredSizeIsRefusedBeforeDecoding) {
  std::string png = "\x89PNG\r\n\x1a\n";
  png += std::string("\0\0\0\x0dIHDR", 8);
  png += std::string("\0\0\x75\x30\0\0\x75\x30", 8);  // 30000 x 30000
  png += std::string("\x08\x02\0\0\0", 5);
  png += std::string(4, '\0');  // CRC: never reached
  const auto message = refusal(write_bytes("huge.png", png));
  EXPECT_NE(message.find("declares 30000x30000 pixels"), std::string::npos) << message;
}

TEST_F(ImageIoTest, DeclaredSizesOfCommonFormats) {
  const cv::Mat image(37, 53, CV_8UC3, cv::Scalar(10, 20, 30));
  for (const char* ext : {".png", ".jpg", ".bmp", ".webp"}) {
    std::vector<unsigned char> bytes;
    ASSERT_TRUE(cv::imencode(ext, image, bytes)) << ext;
    const auto size = declared_image_size(bytes);
    ASSERT_TRUE(size) << ext;
    EXPECT_EQ(size->width, 53u) << ext;
    EXPECT_EQ(size->height, 37u) << ext;
  }
}

// Every format and sample layout comes out as 8-bit BGR of the same size and content.
TEST_F(ImageIoTest, FormatsAndSampleLayoutsBecomeEightBitBgr) {
  const cv::Mat original = load_image(test_data("faces/examples/obama_small.jpg"));
  cv::Mat grey, rgba, deep;
  cv::cvtColor(original, grey, cv::COLOR_BGR2GRAY);
  cv::cvtColor(original, rgba, cv::COLOR_BGR2BGRA);
  original.convertTo(deep, CV_16UC3, 257.0);
  struct Case {
    std::string name;
    cv::Mat image;
    double tolerance;  // mean absolute difference from the original, per sample
  };
  const std::vector<Case> cases{{"plain.png", original, 0.0},   {"deep16.png", deep, 0.0},
                                {"rgba.png", rgba, 0.0},        {"grey.png", grey, 40.0},
                                {"plain.bmp", original, 0.0},   {"plain.tiff", original, 0.0},
                                {"lossless.webp", original, 3.0}, {"plain.jpg", original, 6.0}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto path = dir_ / c.name;
    ASSERT_TRUE(cv::imwrite(path.string(), c.image));
    const cv::Mat loaded = load_image(path);
    EXPECT_EQ(loaded.type(), CV_8UC3);
    ASSERT_EQ(loaded.size(), original.size());
    EXPECT_LE(cv::norm(loaded, original, cv::NORM_L1) / static_cast<double>(original.total() * 3), c.tolerance);
  }
}

// A camera that was held sideways writes EXIF orientation 6 ("rotate 90° clockwise").
TEST_F(ImageIoTest, ExifOrientationIsApplied) {
  cv::Mat wide(20, 40, CV_8UC3, cv::Scalar(0, 0, 0));
  wide(cv::Rect(0, 0, 10, 20)).setTo(cv::Scalar(255, 255, 255));  // white band on the left
  std::vector<unsigned char> jpeg;
  ASSERT_TRUE(cv::imencode(".jpg", wide, jpeg));
  // APP1 "Exif", little-endian TIFF with one IFD entry: Orientation (0x0112), SHORT, 1, value 6.
  const std::string tiff = std::string("II*\0\x08\0\0\0", 8) + std::string("\x01\0", 2) +
                           std::string("\x12\x01\x03\0\x01\0\0\0\x06\0\0\0", 12) + std::string(4, '\0');
  const std::string payload = std::string("Exif\0\0", 6) + tiff;
  std::string app1 = "\xFF\xE1";
  app1 += static_cast<char>((payload.size() + 2) >> 8);
  app1 += static_cast<char>((payload.size() + 2) & 0xFF);
  app1 += payload;
  std::string bytes(jpeg.begin(), jpeg.end());
  bytes.insert(2, app1);
  const cv::Mat loaded = load_image(write_bytes("sideways.jpg", bytes));
  ASSERT_EQ(loaded.cols, 20);
  ASSERT_EQ(loaded.rows, 40);
  // Rotated clockwise, the left band is now at the top.
  EXPECT_GT(cv::mean(loaded(cv::Rect(0, 0, 20, 8)))[0], 200);
  EXPECT_LT(cv::mean(loaded(cv::Rect(0, 30, 20, 10)))[0], 50);
}

// The layout of labelled face sets: people by folder name, their images by file name; hidden
// entries and files that are not images are left out.
TEST(IdentityFolders, ListsPeopleAndTheirImagesInNameOrder) {
  const fs::path dir = fs::temp_directory_path() / ("gatesim-identities-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  for (const char* file : {"zoe/2.JPG", "zoe/1.png", "zoe/notes.txt", "zoe/.hidden.jpg", "adam/a.jpeg", ".git/x.jpg", "empty/"}) {
    fs::create_directories((dir / file).parent_path());
    if (!std::string(file).ends_with("/")) std::ofstream(dir / file) << "x";
  }
  std::ofstream(dir / "loose.jpg") << "x";
  const auto people = list_identity_folders(dir);
  ASSERT_EQ(people.size(), 3u);
  EXPECT_EQ(people[0].name, "adam");
  EXPECT_EQ(people[0].images, std::vector<fs::path>{dir / "adam/a.jpeg"});
  EXPECT_EQ(people[1].name, "empty");
  EXPECT_TRUE(people[1].images.empty());
  EXPECT_EQ(people[2].name, "zoe");
  EXPECT_EQ(people[2].images, (std::vector<fs::path>{dir / "zoe/1.png", dir / "zoe/2.JPG"}));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace gatesim::biometrics
