// Attack kinds by name (biometrics/attack_kind.hpp).
#include "biometrics/attack_kind.hpp"

#include <algorithm>
#include <iterator>
#include <string>

#include "models/input_error.hpp"

namespace gatesim::biometrics {

std::string_view to_string(AttackKind kind) {
  switch (kind) {
    case AttackKind::print: return "print";
    case AttackKind::screen: return "screen";
    case AttackKind::moved_photo: return "moved_photo";
    case AttackKind::frozen: return "frozen";
  }
  return "?";
}

bool needs_clip(AttackKind kind) { return kind == AttackKind::moved_photo || kind == AttackKind::frozen; }

std::vector<AttackKind> parse_attack_kinds(std::string_view text) {
  if (text == "all") return {std::begin(kAllAttackKinds), std::end(kAllAttackKinds)};
  std::vector<AttackKind> kinds;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view word = text.substr(start, comma - start);
    bool known = false;
    for (AttackKind kind : kAllAttackKinds)
      if (word == to_string(kind)) {
        known = true;
        if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) kinds.push_back(kind);
      }
    if (!known)
      throw models::InputError("attack kind '" + std::string(word) +
                               "': expected a comma-separated list of print, screen, moved_photo, frozen, or all");
    start = comma + 1;
  }
  return kinds;
}

}  // namespace gatesim::biometrics
