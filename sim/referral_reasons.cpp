#include "sim/referral_reasons.hpp"

#include <iterator>

namespace gatesim::sim {
namespace {

// By bit, as the kReason... constants.
constexpr std::string_view kFixedReasons[] = {"face.no_match", "face.quality", "fingerprint.no_match",
                                              "device.camera", "party.member_referred", "channel.no_gate",
                                              "face.liveness"};

}  // namespace

ReasonTable::ReasonTable() {
  for (std::string_view code : kFixedReasons) bit(code);
}

std::uint32_t ReasonTable::bit(std::string_view code) {
  const std::string key(code);
  if (auto known = bits_.find(key); known != bits_.end()) return known->second;
  std::uint32_t bit = 1u << 31;  // "other"
  if (names_.size() < 31) {
    bit = 1u << names_.size();
    names_.push_back(key);
  } else if (names_.size() == 31) {
    names_.push_back("other");
  }
  bits_.emplace(key, bit);
  for (std::size_t k = 0; k < gate_bits_.size(); ++k)
    if (code == gate::name(static_cast<GateCode>(k))) gate_bits_[k] = bit;
  return bit;
}

}  // namespace gatesim::sim
