#pragma once
// The kinds of presentation attack (biometrics/presentation_attacks.hpp makes them) as plain
// values: their names and how to read a list of them. Apart from the generator so that code
// that only names attacks (the simulator, its scenarios and reports) does not link OpenCV.
//
// Thread safety: pure functions.

#include <string_view>
#include <vector>

namespace gatesim::biometrics {

enum class AttackKind { print, screen, moved_photo, frozen };

inline constexpr AttackKind kAllAttackKinds[] = {AttackKind::print, AttackKind::screen, AttackKind::moved_photo,
                                                 AttackKind::frozen};

std::string_view to_string(AttackKind kind);
// ensures: the kinds of a comma-separated list ("print,screen"), or every kind for "all".
// throws models::InputError naming the unknown word and the known ones.
std::vector<AttackKind> parse_attack_kinds(std::string_view text);
// ensures: true for the kinds that need a clip (moved_photo, frozen).
bool needs_clip(AttackKind kind);

}  // namespace gatesim::biometrics
