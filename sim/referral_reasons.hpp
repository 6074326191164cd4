#pragma once
// ReasonTable: the referral reasons of one run, each a bit of a traveller's reason set
// (Member::reasons), so the port keeps and counts them without strings. The port's own reasons
// and the commonest of the gate's have fixed bits (kReason...); the policy engine's clause codes
// and the gate's other codes get the next bits in the order they first appear; the 33rd and
// later share the last bit, "other". The order of first appearance is part of a run's outputs
// (travellers.jsonl lists a traveller's reasons by bit).
//
// The gate controller's codes (gate::ReasonCode) are typed, so a gate model refers without
// building or hashing text: each code's bit is looked up once.
//
// Thread safety: none; one table per replication.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gate/transaction_outcome.hpp"

namespace gatesim::sim {

// The fixed bits: the port's own reasons and the commonest of the gate's. Both gate models give
// the gate controller's codes (a fault names the camera, as the controller does).
enum : std::uint32_t {
  kReasonFaceNoMatch = 1 << 0, kReasonFaceQuality = 1 << 1, kReasonFingerprint = 1 << 2, kReasonDeviceFault = 1 << 3,
  kReasonWithParty = 1 << 4,  // party.member_referred: the party stays together
  kReasonNoGate = 1 << 5,     // channel.no_gate: eligible, but the hall has no gate for them
  kReasonLiveness = 1 << 6,
};

// The gate controller's referral codes, as the simulator's gate models give them: the controller's
// own typed codes and names (gate::ReasonCode), one table for the lane and the simulator.
using GateCode = gate::ReasonCode;
// A failure to acquire: the face step ended without a face good enough to match.
constexpr bool is_fta(GateCode code) { return code == GateCode::face_quality || code == GateCode::face_timeout; }

class ReasonTable {
 public:
  ReasonTable();

  // ensures: the bit of reason `code`, added to the table when new.
  std::uint32_t bit(std::string_view code);
  // ensures: the bit of the gate's `code` (bit(name(code)), looked up once).
  std::uint32_t bit(GateCode code) {
    const std::uint32_t known = gate_bits_[static_cast<std::size_t>(code)];
    return known != 0 ? known : bit(gate::name(code));
  }
  // ensures: the bit of `code` if some traveller has been given it, else 0 (nothing added).
  std::uint32_t bit_if_known(GateCode code) const { return gate_bits_[static_cast<std::size_t>(code)]; }

  // ensures: the codes by bit index (index b is bit 1 << b).
  const std::vector<std::string>& names() const { return names_; }
  // requires: bit_index < names().size().
  const std::string& name_of(std::size_t bit_index) const { return names_[bit_index]; }

 private:
  std::vector<std::string> names_;                          // by bit index
  std::unordered_map<std::string, std::uint32_t> bits_;     // code -> bit
  std::array<std::uint32_t, static_cast<std::size_t>(GateCode::count)> gate_bits_{};  // 0 until first given
};

}  // namespace gatesim::sim
