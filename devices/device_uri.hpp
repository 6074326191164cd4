#pragma once
// How device URIs are split: "SCHEME:WHERE#key=value,key=value". Shared by every open_*().
//
// Thread safety: free functions on values.

#include <map>
#include <string>

#include "devices/fault_injection.hpp"
#include "devices/remote_protocol.hpp"

namespace gatesim::devices {

struct DeviceUri {
  std::string text;    // as given, for messages
  std::string scheme;  // before the first ':' ("tcp" for tcp://..., "rtsp" for rtsp://...)
  std::string where;   // after ':' ("HOST:PORT" for tcp:// and tls://; the whole text for rtsp/http URLs), before '#'
  std::map<std::string, std::string> options;  // after '#'
};

// throws models::InputError "<flag> <uri>: expected ..." for no scheme, empty location or an
//        option without '='.
DeviceUri parse_device_uri(const std::string& uri, const std::string& flag);

// The option `key` as a number in [low, high]; `fallback` when absent.
// throws models::InputError naming the URI and the option.
double number_option(const DeviceUri& uri, const std::string& key, double fallback, double low, double high);

// The fault plan of options faults=... and seed=...; empty when there is no faults option.
FaultPlan fault_plan_option(const DeviceUri& uri);

// A device served by `gatesim device-server`: tcp://HOST:PORT or tls://HOST:PORT.
bool is_remote(const DeviceUri& uri);
// The options a remote device takes besides fault injection's.
inline constexpr const char* kRemoteOptions = "timeout_ms,ca,cert,key";

// The connection settings of a remote device: option timeout_ms (1 ms .. 1 h), else `timeout`;
// for tls://, the TLS context of options ca=, cert= and key= (PEM files, all three needed).
// throws models::InputError naming the URI and the option or file (devices/tls.hpp); ca=,
//        cert= or key= on a tcp:// URI.
RemoteOptions remote_options(const DeviceUri& uri, std::chrono::milliseconds timeout = RemoteOptions{}.timeout);

// throws models::InputError when an option other than `known` (comma-separated) is present.
void check_options(const DeviceUri& uri, const std::string& known);

}  // namespace gatesim::devices
