#include "devices/libfprint_reader.hpp"

#include <cstdio>
#include <fstream>

#include <fprint.h>

#include "models/input_error.hpp"

namespace gatesim::devices {

namespace {

template <class T>
struct GObjectDeleter {
  void operator()(T* object) const { g_object_unref(object); }
};
template <class T>
using GObjectPtr = std::unique_ptr<T, GObjectDeleter<T>>;

struct GErrorDeleter {
  void operator()(GError* error) const { g_error_free(error); }
};
using ErrorPtr = std::unique_ptr<GError, GErrorDeleter>;

// Prints are GInitiallyUnowned: some come floating, some owned; this owns either kind once.
GObjectPtr<FpPrint> owned(FpPrint* print) {
  if (print && g_object_is_floating(print)) g_object_ref_sink(print);
  return GObjectPtr<FpPrint>(print);
}

void check_holder_id(const std::string& holder_id) {
  const bool ok = !holder_id.empty() && holder_id.size() <= 64 && holder_id[0] != '.' &&
                  holder_id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
                      std::string::npos;
  if (!ok)
    throw models::InputError("holder id '" + holder_id + "': expected 1-64 characters of A-Z a-z 0-9 _ . - " +
                             "not starting with '.'");
}

}  // namespace

struct LibfprintReader::Impl {
  LibfprintOptions options;
  std::function<void()> finger_needed;
  GObjectPtr<FpContext> context;
  FpDevice* device = nullptr;  // owned by the context
  std::string name;
  GCancellable* cancellable = nullptr;
  GSource* timer = nullptr;
  bool needed = false;          // FP_FINGER_STATUS_NEEDED as last seen
  int bozorth = -1;             // the last score libfprint logged, -1 when none
  guint log_handler = 0;

  // libfprint reports the bozorth3 score only in its debug log ("score S/THRESHOLD").
  static void on_print_log(const gchar*, GLogLevelFlags, const gchar* message, gpointer self) {
    int score = 0, threshold = 0;
    if (std::sscanf(message, "score %d/%d", &score, &threshold) == 2) static_cast<Impl*>(self)->bozorth = score;
  }

  static void on_finger_status(FpDevice* dev, GParamSpec*, gpointer self) {
    auto* impl = static_cast<Impl*>(self);
    const bool now = (fp_device_get_finger_status(dev) & FP_FINGER_STATUS_NEEDED) != 0;
    if (now && !impl->needed && impl->finger_needed) impl->finger_needed();
    impl->needed = now;
  }

  static gboolean on_timeout(gpointer self) {
    auto* impl = static_cast<Impl*>(self);
    g_cancellable_cancel(impl->cancellable);
    impl->timer = nullptr;
    return G_SOURCE_REMOVE;
  }

  // (Re)starts the touch timer: the running call is cancelled when it fires.
  void arm() {
    disarm();
    timer = g_timeout_source_new(static_cast<guint>(options.timeout.count()));
    g_source_set_callback(timer, on_timeout, this, nullptr);
    g_source_attach(timer, nullptr);
    g_source_unref(timer);
  }
  void disarm() {
    if (timer) g_source_destroy(timer);
    timer = nullptr;
  }

  // Starts a call: a fresh cancellable and the touch timer.
  void begin() {
    if (cancellable) g_object_unref(cancellable);
    cancellable = g_cancellable_new();
    needed = false;
    bozorth = -1;
    arm();
  }

  // Ends a call; turns its error into the fault it means.
  void end(GError* raw, const std::string& doing) {
    disarm();
    const ErrorPtr error(raw);
    if (!error) return;
    if (g_error_matches(error.get(), G_IO_ERROR, G_IO_ERROR_CANCELLED))
      throw DeviceFault(FaultKind::timeout, name, "no finger within " + std::to_string(options.timeout.count()) +
                                                      " ms while " + doing);
    if (error->domain == FP_DEVICE_ERROR &&
        (error->code == FP_DEVICE_ERROR_REMOVED || error->code == FP_DEVICE_ERROR_NOT_OPEN ||
         error->code == FP_DEVICE_ERROR_PROTO))
      throw DeviceFault(FaultKind::disconnected, name, std::string(error->message) + " while " + doing);
    throw DeviceFault(FaultKind::corrupt, name, std::string(error->message) + " while " + doing);
  }

  std::filesystem::path print_file(const std::string& holder_id) const {
    return options.prints / (holder_id + ".fpprint");
  }
};

LibfprintReader::LibfprintReader(LibfprintOptions options, std::function<void()> finger_needed)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->finger_needed = std::move(finger_needed);
  impl_->name = "libfprint:" + impl_->options.driver;
  std::error_code made;
  std::filesystem::create_directories(impl_->options.prints, made);
  if (made || !std::filesystem::is_directory(impl_->options.prints))
    throw models::InputError(impl_->name + ": prints folder " + impl_->options.prints.string() +
                             ": cannot be created");
  if (!impl_->options.virtual_image_socket.empty())
    g_setenv("FP_VIRTUAL_IMAGE", impl_->options.virtual_image_socket.c_str(), TRUE);
  impl_->context.reset(fp_context_new());
  GPtrArray* devices = fp_context_get_devices(impl_->context.get());
  for (guint i = 0; i < devices->len && !impl_->device; ++i) {
    auto* candidate = static_cast<FpDevice*>(g_ptr_array_index(devices, i));
    if (impl_->options.driver.empty() || impl_->options.driver == fp_device_get_driver(candidate))
      impl_->device = candidate;
  }
  if (!impl_->device)
    throw DeviceFault(FaultKind::disconnected, impl_->name,
                      impl_->options.driver.empty() ? "no fingerprint reader found"
                                                    : "no device of driver '" + impl_->options.driver + "' found");
  impl_->name = "libfprint:" + std::string(fp_device_get_driver(impl_->device));
  g_signal_connect(impl_->device, "notify::finger-status", G_CALLBACK(Impl::on_finger_status), impl_.get());
  impl_->log_handler = g_log_set_handler("libfprint-print", G_LOG_LEVEL_DEBUG, Impl::on_print_log, impl_.get());
  GError* error = nullptr;
  impl_->begin();
  fp_device_open_sync(impl_->device, impl_->cancellable, &error);
  try {
    impl_->end(error, "opening");
  } catch (const DeviceFault& fault) {
    g_log_remove_handler("libfprint-print", impl_->log_handler);
    g_signal_handlers_disconnect_by_data(impl_->device, impl_.get());
    throw DeviceFault(FaultKind::disconnected, fault.device(), fault.what());
  }
}

LibfprintReader::~LibfprintReader() {
  impl_->disarm();
  if (fp_device_is_open(impl_->device)) fp_device_close_sync(impl_->device, nullptr, nullptr);
  g_signal_handlers_disconnect_by_data(impl_->device, impl_.get());
  g_log_remove_handler("libfprint-print", impl_->log_handler);
  if (impl_->cancellable) g_object_unref(impl_->cancellable);
}

int LibfprintReader::enroll_stages() const { return fp_device_get_nr_enroll_stages(impl_->device); }

std::string LibfprintReader::name() const { return impl_->name; }

bool LibfprintReader::enrolled(const std::string& holder_id) const {
  check_holder_id(holder_id);
  return std::filesystem::exists(impl_->print_file(holder_id));
}

void LibfprintReader::enroll(const std::string& holder_id) {
  check_holder_id(holder_id);
  const GObjectPtr<FpPrint> tmpl = owned(fp_print_new(impl_->device));
  fp_print_set_username(tmpl.get(), holder_id.c_str());
  // Each completed stage gives the next touch its own full timeout.
  auto progress = [](FpDevice*, gint, FpPrint*, gpointer self, GError*) { static_cast<Impl*>(self)->arm(); };
  GError* error = nullptr;
  impl_->begin();
  const GObjectPtr<FpPrint> print =
      owned(fp_device_enroll_sync(impl_->device, tmpl.get(), impl_->cancellable, progress, impl_.get(), &error));
  impl_->end(error, "enrolling " + holder_id);
  guchar* data = nullptr;
  gsize size = 0;
  if (!fp_print_serialize(print.get(), &data, &size, &error)) impl_->end(error, "storing the print");
  const auto file = impl_->print_file(holder_id);
  const auto partial = std::filesystem::path(file).concat(".partial");
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    g_free(data);
    if (!out.flush()) throw DeviceFault(FaultKind::corrupt, impl_->name, "cannot write " + partial.string());
  }
  std::filesystem::rename(partial, file);
}

FingerprintReading LibfprintReader::verify(const std::string& holder_id) {
  check_holder_id(holder_id);
  const auto file = impl_->print_file(holder_id);
  std::ifstream in(file, std::ios::binary);
  if (!in) return {FingerprintStatus::not_matched, 0};
  std::error_code size_error;
  std::string bytes(static_cast<std::size_t>(std::filesystem::file_size(file, size_error)), '\0');
  if (size_error || !in.read(bytes.data(), static_cast<std::streamsize>(bytes.size())))
    throw DeviceFault(FaultKind::corrupt, impl_->name, file.string() + ": cannot read the stored print");
  GError* error = nullptr;
  const GObjectPtr<FpPrint> enrolled =
      owned(fp_print_deserialize(reinterpret_cast<const guchar*>(bytes.data()), bytes.size(), &error));
  if (!enrolled) {
    const ErrorPtr owned(error);
    throw DeviceFault(FaultKind::corrupt, impl_->name, file.string() + ": not a stored print (" + owned->message + ")");
  }
  gboolean match = FALSE;
  impl_->begin();
  fp_device_verify_sync(impl_->device, enrolled.get(), impl_->cancellable, nullptr, nullptr, &match, nullptr, &error);
  if (error && error->domain == FP_DEVICE_RETRY) {
    impl_->disarm();
    g_error_free(error);
    return {FingerprintStatus::poor_capture, 0};
  }
  impl_->end(error, "verifying " + holder_id);
  const double score = impl_->bozorth < 0 ? 0 : std::min(1.0, impl_->bozorth / 100.0);
  return {match ? FingerprintStatus::matched : FingerprintStatus::not_matched, score};
}

}  // namespace gatesim::devices
