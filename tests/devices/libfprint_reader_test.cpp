// LibfprintReader on a real libfprint virtual_image device, fed synthetic fingerprints over its
// UNIX socket by a feeder thread that sends one image each time the device asks for a finger.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "devices/libfprint_reader.hpp"
#include "devices/synthetic_fingerprint.hpp"
#include "models/input_error.hpp"

namespace gatesim::devices {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The other end of virtual_image's socket: a finger that touches when asked, with the next
// queued image (nothing when the queue is empty: a silent sensor).
class Finger {
 public:
  explicit Finger(const fs::path& socket_path) : fd_(::socket(AF_UNIX, SOCK_STREAM, 0)) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, socket_path.c_str(), sizeof(address.sun_path) - 1);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0)
      throw std::runtime_error("cannot connect to " + socket_path.string());
    thread_ = std::thread([this] { run(); });
  }
  ~Finger() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
    ::close(fd_);
  }
  void queue(cv::Mat image) {
    std::lock_guard lock(mutex_);
    images_.push_back(std::move(image));
  }
  // The device waits for a finger: touch with the next queued image, if any.
  void needed() {
    std::lock_guard lock(mutex_);
    if (images_.empty()) return;
    to_send_.push_back(std::move(images_.front()));
    images_.pop_front();
    wake_.notify_all();
  }
  // virtual_image's command -5: the device goes away (as if unplugged).
  void unplug() {
    std::lock_guard lock(mutex_);
    unplug_ = true;
    wake_.notify_all();
  }

 private:
  void send(const void* data, std::size_t size) {
    const auto* bytes = static_cast<const char*>(data);
    while (size > 0) {
      const ssize_t n = ::write(fd_, bytes, size);
      if (n <= 0) return;
      bytes += n;
      size -= static_cast<std::size_t>(n);
    }
  }
  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stop_ || unplug_ || !to_send_.empty(); });
      if (stop_) return;
      if (unplug_) {
        unplug_ = false;
        const std::int32_t command[2] = {-5, 0};
        send(command, sizeof(command));
        continue;
      }
      const cv::Mat image = std::move(to_send_.front());
      to_send_.pop_front();
      lock.unlock();
      const std::int32_t header[2] = {image.cols, image.rows};
      send(header, sizeof(header));
      send(image.data, image.total());
      lock.lock();
    }
  }

  int fd_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<cv::Mat> images_, to_send_;
  bool stop_ = false, unplug_ = false;
  std::thread thread_;
};

class VirtualImageReader : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("gatesim-fprint-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Opens the reader, then puts a finger on its socket.
  void open(std::chrono::milliseconds timeout = 20s) {
    LibfprintOptions options;
    options.driver = "virtual_image";
    options.prints = dir_ / "prints";
    options.timeout = timeout;
    options.virtual_image_socket = dir_ / "sensor.socket";
    reader_ = std::make_unique<LibfprintReader>(options, [this] { finger_->needed(); });
    finger_ = std::make_unique<Finger>(options.virtual_image_socket);
  }

  void enroll(const std::string& holder, const SyntheticFinger& finger) {
    for (int n = 0; n < reader_->enroll_stages(); ++n) finger_->queue(finger.impression(static_cast<std::uint64_t>(n)));
    reader_->enroll(holder);
  }

  fs::path dir_;
  std::unique_ptr<Finger> finger_;
  std::unique_ptr<LibfprintReader> reader_;  // destroyed first: it closes the device
};

TEST_F(VirtualImageReader, ImpressionsOfTheEnrolledFingerMatchAndAnotherFingerDoesNot) {
  const SyntheticFinger a(101), b(202);
  open();
  EXPECT_EQ(reader_->name(), "libfprint:virtual_image");
  EXPECT_EQ(reader_->enroll_stages(), 5);
  enroll("A1", a);
  EXPECT_TRUE(reader_->enrolled("A1"));
  EXPECT_TRUE(fs::exists(dir_ / "prints" / "A1.fpprint"));

  finger_->queue(a.impression(17));  // a touch not used for enrolment
  const FingerprintReading genuine = reader_->verify("A1");
  EXPECT_EQ(genuine.status, FingerprintStatus::matched);
  EXPECT_GE(genuine.score, 0.40);

  finger_->queue(b.impression(0));
  const FingerprintReading impostor = reader_->verify("A1");
  EXPECT_EQ(impostor.status, FingerprintStatus::not_matched);
  EXPECT_LT(impostor.score, 0.40);
  EXPECT_GT(impostor.score, 0.0);  // a score was read from libfprint, not defaulted
}

TEST_F(VirtualImageReader, APrintStoredOnDiskServesTheNextReader) {
  const SyntheticFinger a(303);
  open();
  enroll("H-7", a);
  reader_.reset();
  finger_.reset();
  open();
  finger_->queue(a.impression(9));
  EXPECT_EQ(reader_->verify("H-7").status, FingerprintStatus::matched);
  EXPECT_FALSE(reader_->enrolled("nobody"));
  EXPECT_EQ(reader_->verify("nobody").status, FingerprintStatus::not_matched);  // no touch taken
}

TEST_F(VirtualImageReader, ASilentSensorTimesOutAndTheReaderGoesOn) {
  const SyntheticFinger a(404);
  // The reader's own limit, not the test's. The silent verify waits it out; the next one must
  // get its touch through libfprint within it, which under a loaded machine (a build beside the
  // suite) took more than 300 ms: 2 s is long enough there and short enough to wait out.
  open(2000ms);
  for (int n = 0; n < 5; ++n) finger_->queue(a.impression(static_cast<std::uint64_t>(n)));
  reader_->enroll("A");
  try {
    reader_->verify("A");  // nothing queued: the finger never comes
    FAIL() << "expected a timeout";
  } catch (const DeviceFault& fault) {
    EXPECT_EQ(fault.kind(), FaultKind::timeout);
    EXPECT_NE(std::string(fault.what()).find("no finger within 2000 ms"), std::string::npos) << fault.what();
  }
  finger_->queue(a.impression(11));
  EXPECT_EQ(reader_->verify("A").status, FingerprintStatus::matched);
}

TEST_F(VirtualImageReader, ABlankTouchIsAPoorCapture) {
  const SyntheticFinger a(505);
  open();
  enroll("A", a);
  finger_->queue(cv::Mat(400, 300, CV_8U, cv::Scalar(255)));
  EXPECT_EQ(reader_->verify("A").status, FingerprintStatus::poor_capture);
}

TEST_F(VirtualImageReader, AnUnpluggedDeviceIsADisconnectFault) {
  const SyntheticFinger a(606);
  open();
  enroll("A", a);
  finger_->unplug();
  try {
    reader_->verify("A");
    FAIL() << "expected a disconnect";
  } catch (const DeviceFault& fault) {
    EXPECT_EQ(fault.kind(), FaultKind::disconnected) << fault.what();
  }
}

TEST_F(VirtualImageReader, RefusesHolderIdsThatAreNotFileNames) {
  open();
  EXPECT_THROW(reader_->verify("../etc/passwd"), models::InputError);
  EXPECT_THROW(reader_->enroll(""), models::InputError);
}

TEST(LibfprintReader, AnAbsentDriverIsADisconnectFault) {
  LibfprintOptions options;
  options.driver = "no_such_driver";
  options.prints = fs::temp_directory_path() / ("gatesim-fprint-none-" + std::to_string(::getpid()));
  try {
    LibfprintReader reader(options);
    FAIL() << "expected a fault";
  } catch (const DeviceFault& fault) {
    EXPECT_EQ(fault.kind(), FaultKind::disconnected);
    EXPECT_EQ(std::string(fault.what()),
              "libfprint:no_such_driver: disconnected: no device of driver 'no_such_driver' found");
  }
  fs::remove_all(options.prints);
}

}  // namespace
}  // namespace gatesim::devices
