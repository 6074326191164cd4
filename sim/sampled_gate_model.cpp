#include "sim/sampled_gate_model.hpp"

#include <algorithm>
#include <cassert>
#include <string>

namespace gatesim::sim {

SampledGateModel::SampledGateModel(const GateModelParts& parts, std::size_t servers)
    : parts_(parts), events_(parts.events), devices_(parts.devices), passback_(parts.passback), tokens_(servers, 0) {}

// The controller's transaction (gate/gate_controller.cpp) drawn whole when the party reaches the
// gate; the gate is done with them (kGateDone) after the drawn time, unless a fault comes first.
void SampledGateModel::serve(std::uint32_t server, int channel, Party& p) {
  const Transactions plan = transactions(p);
  const gate::GateConfig& config = parts_.config_of(channel);
  SimTime total = 0;
  p.planned = 0;
  p.guardian_passed = p.cleared_as_other = p.tailgated = 0;
  while (p.planned < plan.count && !p.referred) {
    const int k = p.planned++;
    p.exit_from[k] = -1;
    total += transaction(p, plan.traveller[k], config, total, p.exit_from[k]);
    p.ended[k] = total;
  }
  events_.schedule_in(total, kGateDone, server, ++tokens_[server]);
}

void SampledGateModel::handle(const SimEvent& e) {
  if (e.data != tokens_[e.target] || !parts_.hall.serving(e.target)) return;  // cancelled by a fault
  const Party& p = parts_.hall.party_at(e.target);
  record_clearances(e.target, p, p.planned);
  const Followed followed = followed_out(p, p.planned);
  raise_alarms(e.target, followed);
  parts_.hall.finish_service(e.target);
}

// As the controller: a fault during a step ends the transaction under way as a referral naming
// the device; one while the traveller walks out changes nothing.
void SampledGateModel::fault(std::uint32_t server) {
  Party& p = parts_.hall.party_at(server);
  const SimTime into = events_.now() - p.service_started;
  int k = 0;
  while (k + 1 < p.planned && p.ended[k] <= into) ++k;
  if (p.exit_from[k] >= 0 && into >= p.exit_from[k]) return;
  ++tokens_[server];
  record_clearances(server, p, k);  // those before k cleared
  const Followed followed = followed_out(p, k);
  p.service[p.gate_channel] = static_cast<float>(to_seconds(into));
  p.referred = true;
  // The drawn steps of this transaction and the later ones did not happen.
  const Transactions plan = transactions(p);
  for (int j = k; j < plan.count; ++j) forget_gate(p.members[plan.traveller[j]]);
  if (plan.with_guardian && k == 0) forget_gate(p.members[0]);
  p.members[plan.traveller[k]].reasons = kReasonDeviceFault;
  refer_the_rest(p);
  raise_alarms(server, followed);
  parts_.hall.cut_short(server);
}

// A transaction drawn whole and cut short by a fault: what was drawn for `m` did not happen, the
// liveness verdict included (else a traveller never checked would count as checked and not
// refused, and the BPCER would read low).
void SampledGateModel::forget_gate(Member& m) {
  m.reasons = 0;
  m.incidents = 0;
  m.judged_live = -1;
  m.document_s = m.face_s = m.fingerprint_s = m.exit_s = m.distance = -1;
  m.frames = 0;
  m.served_at_gate = false;
}

// The check once the gate knows who stands at it (the controller's person_found): `holder`
// cleared within the window before `at`.
bool SampledGateModel::refuses(const std::string& holder, SimTime at) const {
  return passback_.earlier(holder, gate::Time(at)) != nullptr;
}

// The clearances of transactions before `upto` (those whose barrier opened), each at the time
// its barrier opened (when the controller's audit write confirms it), once no fault can cut them
// short: when the party leaves the gate, or a fault ends transaction `upto`.
void SampledGateModel::record_clearances(std::uint32_t server, const Party& p, int upto) {
  if (!passback_.on()) return;
  const Transactions plan = transactions(p);
  for (int k = 0; k < upto; ++k) {
    if (p.exit_from[k] < 0) continue;
    const gate::Time at(p.service_started + p.exit_from[k]);
    // A traveller the gallery took for someone else was cleared as that person: not
    // remembered (HallPassback::may_be_known).
    if (!(p.cleared_as_other & (1u << k)))
      passback_.record(server, GateDevices::holder_id(p.members[plan.traveller[k]]), at);
    if (p.guardian_passed & (1u << k)) passback_.record(server, GateDevices::holder_id(p.members[0]), at);
  }
}

// The travellers of the transactions before `upto` whom someone followed out through the open
// passage (Party::tailgated).
SampledGateModel::Followed SampledGateModel::followed_out(const Party& p, int upto) {
  Followed f;
  if (p.tailgated == 0) return f;
  const Transactions plan = transactions(p);
  for (int k = 0; k < upto; ++k)
    if (p.tailgated & (1u << k)) f.ids[f.count++] = p.members[plan.traveller[k]].id;
  return f;
}

// A passage someone followed (GateDevices::passage) is the lane's alarm and incident, as the
// controller raises them on the exit sensor's count. Raised once no fault can take the
// transaction back: as the party leaves the gate (for a traveller alone, when they walked out),
// or when a fault ends a later transaction.
void SampledGateModel::raise_alarms(std::uint32_t server, const Followed& followed) {
  for (int i = 0; i < followed.count; ++i) parts_.hall.tailgated(server, followed.ids[i]);
}

// The reason's bit and whose it is: `role`'s, as the controller names it
// (gate::GateController::reason) and the controller model records it (act(Completed): a
// guardian's reason on the guardian, without "guardian.").
SampledGateModel::StepEnd SampledGateModel::refer(gate::Role role, GateCode code) {
  StepEnd end;
  end.bit = parts_.reasons.bit(code);
  end.guardian_failed = role == gate::Role::guardian;
  end.fta_reason = is_fta(code);
  return end;
}

// One transaction starting `start` into the party's service; ensures: its duration.
SimTime SampledGateModel::transaction(Party& p, int traveller, const gate::GateConfig& c, SimTime start,
                                    SimTime& exit_from) {
  Member* const people[2] = {&p.members[traveller], &p.members[0]};  // by role: traveller, guardian
  GateEvidence seen[2];
  bool self[2] = {true, true};  // identified as themselves (document-free), else as someone else
  bool guardian_seen = false, guardian_required = false, guardian_on_record = false;
  SimTime t = 0;
  StepEnd end;
  auto step = [&](gate::Step s, gate::Role role) {
    const int r = role == gate::Role::guardian ? 1 : 0;
    Member& m = *people[r];
    GateEvidence& e = seen[r];
    switch (s) {
      case gate::Step::read_document: {
        const SimTime d = devices_.step_time(parts_.scenario.steps.document, m), limit = c.document_timeout.count();
        t += std::min(d, limit);
        e.document_s = static_cast<float>(to_seconds(std::min(d, limit)));
        // A guardian's permit is their own, on record for the ward (guardian_on_record).
        if (d > limit) end = refer(role, GateCode::document_timeout);
        else if (role == gate::Role::traveller && passback_.may_be_known(m) &&
                 refuses(GateDevices::holder_id(m), events_.now() + start + t))
          end = refer(role, GateCode::passback);
        return;
      }
      case gate::Step::check_policy: {
        // Someone else the gallery found is assumed eligible (act(CheckPolicy)); the party's
        // own passed the same verdict when routed here.
        if (!self[r]) return;
        const Verdict& v = *p.members[r ? 0 : traveller].gate_verdict;
        assert(v.reasons == 0);
        if (!v.guardian_required) return;
        if (role == gate::Role::guardian) end = refer(role, GateCode::guardian_missing);
        else if (std::find(c.steps.begin(), c.steps.end(), gate::Step::guardian) == c.steps.end())
          end = refer(gate::Role::traveller, GateCode::guardian_missing);
        guardian_required = true;
        guardian_on_record = traveller > 0 && p.has_guardian;
        return;
      }
      case gate::Step::face: end = face_step(m, role, c, e, events_.now() + start, t, self[r]); return;
      case gate::Step::fingerprint: {
        const SimTime limit = c.fingerprint_timeout.count();
        SimTime taken = 0;
        for (int attempts = 1;; ++attempts) {  // each capture gets the full time
          const SimTime d = devices_.step_time(parts_.scenario.steps.fingerprint_time, m);
          const bool matched = devices_.fingerprint_matches(m);
          taken += std::min(d, limit);
          if (d > limit) {
            end = refer(role, GateCode::fingerprint_timeout);
            break;
          }
          if (matched || attempts >= c.max_fingerprint_attempts) {
            e.fingerprint_matched = matched;
            if (!matched) end = refer(role, GateCode::fingerprint_no_match);
            break;
          }
        }
        t += taken;
        e.fingerprint_s = static_cast<float>(to_seconds(taken));
        return;
      }
      case gate::Step::guardian: return;  // below
      case gate::Step::audit: return;  // never planned (gate::validate)
    }
  };
  for (gate::Step s : c.steps) {
    if (s != gate::Step::guardian) {
      step(s, gate::Role::traveller);
    } else if (guardian_required && !guardian_on_record) {
      end = refer(gate::Role::traveller, GateCode::guardian_missing);
    } else if (guardian_required) {
      guardian_seen = true;
      for (gate::Step g : c.steps)
        if (g != gate::Step::guardian && end.bit == 0) step(g, gate::Role::guardian);
    }
    if (end.bit) break;
  }
  record_evidence(*people[0], seen[0], end.bit && !end.guardian_failed, end.fta_reason);
  if (guardian_seen) record_evidence(*people[1], seen[1], end.bit && end.guardian_failed, end.fta_reason);
  if (end.bit) {
    p.referred = true;
    people[end.guardian_failed ? 1 : 0]->reasons |= end.bit;
    refer_the_rest(p);
    return t;
  }
  // Cleared: the barrier opens; it closes after the exit timeout whether or not they are through.
  exit_from = start + t;
  if (guardian_seen) p.guardian_passed |= static_cast<std::uint8_t>(1u << (p.planned - 1));
  if (!self[0]) p.cleared_as_other |= static_cast<std::uint8_t>(1u << (p.planned - 1));
  const SimTime limit = c.exit_timeout.count();
  const GateDevices::Passage passage = devices_.passage(*people[0], limit);
  const SimTime x = passage.walk;
  if (x <= limit) people[0]->exit_s = static_cast<float>(to_seconds(x));
  if (passage.tailgaters > 0) p.tailgated |= static_cast<std::uint8_t>(1u << (p.planned - 1));
  return t + std::min(x, limit);
}

// The face step (on(FrameAnalysed), on(FaceMatched), on(IdentificationDone), face_matched,
// liveness_settles, face_attempt_failed and the face window's timer in the controller): frames
// until one passes quality, each such frame matched at once; with the liveness check on, its
// verdict falls on the step's c.liveness.min_frames-th frame, before that frame is matched, and a face
// that matched sooner keeps looking at the camera (frames for liveness only: no quality draw,
// no image) until then. A frame that would come after the window ends the step at the window.
// `began`: the transaction's start on the clock (`t` into it when the face step begins).
SampledGateModel::StepEnd SampledGateModel::face_step(Member& m, gate::Role role, const gate::GateConfig& c,
                                               GateEvidence& e, SimTime began, SimTime& t, bool& self) {
  const SimTime window = c.face_window.count();
  const int allowed = role == gate::Role::guardian ? c.guardian_max_faces_in_frame : c.max_faces_in_frame;
  const bool liveness = c.liveness.mode != biometrics::LivenessMode::off;
  SimTime face = 0;
  int attempts = 0, match_attempts = 0;
  bool matched = false, live = false;
  StepEnd end;
  for (;;) {
    const SimTime f = devices_.step_time(parts_.scenario.steps.frame, m);
    if (face + f > window) {
      face = window;
      if (matched) {  // only the liveness verdict was missing
        end = refer(role, GateCode::face_liveness);
      } else {
        e.face_passed = false;
        end = refer(role, GateCode::face_timeout);
      }
      break;
    }
    face += f;
    const GateDevices::Frame frame = matched ? GateDevices::Frame{} : devices_.draw_frame(m);
    ++attempts;
    ++e.frames;
    if (frame.faces > allowed) {
      end = refer(gate::Role::traveller, GateCode::tailgating);
      break;
    }
    if (liveness) {
      if (attempts >= c.liveness.min_frames) {
        if (!devices_.judged_live(m)) {
          e.liveness_refused = true;
          end = refer(role, GateCode::face_liveness);
          break;
        }
        live = true;
      }
      if (matched && live) break;
      if (matched && attempts >= c.max_face_frames) {  // the frames are spent, the verdict missing
        end = refer(role, GateCode::face_liveness);
        break;
      }
      if (matched) continue;
    }
    if (frame.faces < 1 || !frame.quality_ok) {
      if (attempts < c.max_face_frames) continue;
      end = refer(role, GateCode::face_quality);
      break;
    }
    ++e.match_attempts;
    GateCode failed = GateCode::face_no_match;
    if (c.channel == gate::Channel::document) {
      const double d = devices_.match_distance(m, frame.image);
      e.distance = e.distance ? std::min(*e.distance, d) : d;
      matched = gate::judge_match(d, c);
    } else {
      std::optional<double> second;
      bool nearest_is_self = false;
      std::string nearest;  // who the gallery found nearest, built only for the passback check
      if (devices_.faces()) {
        const gate::IdentificationDone found = devices_.identify(m, frame.image, 0, gate::Time(events_.now()));
        e.distance = found.best ? std::optional(found.best->distance) : std::nullopt;
        second = found.second ? std::optional(found.second->distance) : std::nullopt;
        nearest_is_self = found.best && found.best->holder_id == GateDevices::holder_id(m);
        if (found.best && passback_.may_be_known(m)) nearest = found.best->holder_id;
      } else {  // no ids to build: the search's distances and who is nearest
        const GateDevices::Searched found = devices_.search_gallery(m);
        e.distance = found.nearest;
        second = found.second;
        nearest_is_self = found.nearest_tag == GateDevices::kHolderTag;
        if (passback_.may_be_known(m)) nearest = GateDevices::gallery_id(found.nearest_tag, m);
      }
      const gate::Identification judged = gate::judge_identification(e.distance, second, c);
      if (judged == gate::Identification::identified) {
        self = nearest_is_self;
        if (role == gate::Role::guardian && !self) {  // not the guardian on record
          end = refer(gate::Role::traveller, GateCode::guardian_missing);
          break;
        }
        // The controller's person_found: who was identified is asked about before the face counts as matched.
        if (role == gate::Role::traveller && !nearest.empty() && refuses(nearest, began + t + face)) {
          end = refer(gate::Role::traveller, GateCode::passback);
          break;
        }
        matched = true;
      }
      failed = judged == gate::Identification::not_found ? GateCode::identification_not_found
                                                         : GateCode::identification_ambiguous;
    }
    if (matched) {
      e.face_passed = true;
      if (!liveness || live) break;
      if (attempts >= c.max_face_frames) {
        end = refer(role, GateCode::face_liveness);
        break;
      }
      continue;
    }
    if (++match_attempts >= c.max_match_attempts || attempts >= c.max_face_frames) {
      e.face_passed = false;
      end = refer(role, failed);
      break;
    }
  }
  t += face;
  e.face_s = static_cast<float>(to_seconds(face));
  return end;
}

}  // namespace gatesim::sim
