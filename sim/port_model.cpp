#include "sim/port_model.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <charconv>
#include <chrono>
#include <limits>
#include <cmath>
#include <deque>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "biometrics/presentation_attacks.hpp"
#include "gate/gate_controller.hpp"
#include "gate/policy_engine.hpp"
#include "models/input_error.hpp"
#include "sim/arrivals.hpp"
#include "sim/biometric_model.hpp"
#include "sim/face_images.hpp"
#include "sim/faults.hpp"
#include "sim/event_queue.hpp"
#include "sim/gate_config.hpp"
#include "sim/pad_model.hpp"
#include "sim/population.hpp"
#include "sim/port_state.hpp"
#include "sim/port_statistics.hpp"
#include "sim/random.hpp"
#include "sim/realtime.hpp"
#include "sim/records.hpp"
#include "sim/referral_reasons.hpp"
#include "sim/routing.hpp"
#include "sim/trace.hpp"

namespace gatesim::sim {

const char* channel_name(int channel) {
  static const char* names[kChannelCount] = {"document_gates", "document_free_gates", "counters"};
  return names[channel];
}

namespace {

// The transactions a party passes at a gate, as the controller pairs them: one per traveller
// in order, or, with a ward of limited capacity, one per ward with the guardian (member 0).
struct Transactions {
  std::uint8_t traveller[PartyProfile::kMaxSize] = {};  // the member each transaction serves
  std::uint8_t count = 0;
  bool with_guardian = false;
};

// What a gate saw of one person in one transaction: the controller's PersonEvidence and step
// timings, the parts the port records (step times in seconds, -1: step not reached).
struct Seen {
  int frames = 0, match_attempts = 0;
  std::optional<double> distance;
  std::optional<bool> face_passed, fingerprint_matched;
  float document_s = -1, face_s = -1, fingerprint_s = -1;
  bool liveness_refused = false;  // the liveness check's verdict was "attack"
};

struct Server {
  std::uint8_t channel = 0;
  bool up = true;
  std::int32_t party = -1;  // slot of the party in service
  std::uint64_t token = 0;  // bumps to cancel the pending completion
  SimTime down_since = 0;
  ExternalGate* external = nullptr;  // served outside the simulation (real-time replay only)
};

// A gate run by the real gate controller: its one outstanding delayed reply (a document read, a
// frame, a fingerprint, the traveller walking out) and which members of the party it is serving.
struct Lane {
  std::unique_ptr<gate::GateController> controller;
  std::uint64_t reply_token = 0;  // bumps to drop a reply the controller no longer awaits
  std::optional<gate::Event> pending;
  Transactions plan;
  std::uint8_t next_transaction = 0;
  std::uint8_t traveller = 0;  // member in the transaction under way
  bool completed = false;      // the controller reported Completed for it
  // The member whose liveness verdict the pending frame carries (-1: none). Drawn when the
  // frame was asked for; if the reply is dropped (a fault, a timer ended the step) the gate
  // never saw it, so it is forgotten (Member::judged_live), as the sampled model forgets it.
  std::int8_t verdict_in_flight = -1;
  SimTime barrier_opened = 0;
  const FaceImages::Analysed* last_frame = nullptr;  // image-level mode: the frame to match
  std::vector<std::uint64_t> timers;  // started and not cancelled (the kernel keeps the others until due)
};

struct ChannelState {
  std::deque<std::uint32_t> queue;
  std::vector<std::uint32_t> idle;
  std::uint64_t queued_travellers = 0;
};

class PortSimulation final : public PacedSimulation {
 public:
  PortSimulation(const Scenario& s, const RunOptions& o)
      : scenario_(s), options_(o), bio_(make_biometric_model(s.biometrics)), pad_(make_pad_model(s.biometrics, s.population)),
        stats_(reasons_, bio_.enabled), router_(s, find_port(s), reasons_),
        arrivals_(s, o.seed, events_,
                  [this](const PartyProfile& party, std::uint64_t holder) { arrive(party, holder); }),
        faults_(s.faults, seconds(s.duration_hours * 3600), o.seed, events_),
        service_rng_(o.seed, 2), pad_rng_(o.seed, 6),
        gate_configs_{gate_config(s, pad_, gate::Channel::document), gate_config(s, pad_, gate::Channel::document_free)},
        passback_(gate_configs_[0].passback_window),
        end_(seconds(s.duration_hours * 3600)),
        warmup_(seconds(s.warmup_hours * 3600)), interval_(seconds(s.interval_minutes * 60)) {
    if (s.biometrics.mode == BiometricSpec::Mode::images)
      faces_ = std::make_unique<FaceImages>(s.faces, s.biometrics.models.empty()
                                                         ? biometrics::ModelStore::from_environment()
                                                         : biometrics::ModelStore(s.biometrics.models));
    if (faces_ && pad_.on()) faces_->enable_liveness(biometrics::PadModelStore::from_environment(), o.seed);
    const int counts[kChannelCount] = {s.channels.document_gates, s.channels.document_free_gates, s.channels.counters};
    for (int c = 0; c < kChannelCount; ++c) {
      stats_.result().servers[c] = counts[c];
      for (int i = 0; i < counts[c]; ++i) {
        servers_.push_back(Server{static_cast<std::uint8_t>(c)});
        channels_[c].idle.push_back(static_cast<std::uint32_t>(servers_.size() - 1));
      }
      std::reverse(channels_[c].idle.begin(), channels_[c].idle.end());  // lowest index first
    }
    const auto& external = o.realtime.external_gates;
    if (!external.empty() && !(o.realtime.speed > 0))
      throw models::InputError("external gates need real-time pacing (a speed above 0)");
    if (external.size() > static_cast<std::size_t>(s.channels.document_gates))
      throw models::InputError(s.file + ": channels.document_gates: " + std::to_string(s.channels.document_gates) +
                               ", fewer than the " + std::to_string(external.size()) + " external gates");
    for (std::size_t i = 0; i < external.size(); ++i) servers_[i].external = external[i];  // document gates come first
    lanes_.resize(servers_.size());
    if (s.gate.model == GateSpec::Model::controller)
      for (std::size_t g = 0; g < servers_.size(); ++g)
        if (servers_[g].channel != kCounters && !servers_[g].external)
          lanes_[g].controller = std::make_unique<gate::GateController>(gate_config_of(servers_[g].channel));
    stats_.result().scenario = s.name;
    stats_.result().pad_model = pad_;
    stats_.result().pad_reported = pad_.on() || s.population.presentation_attack > 0;
    stats_.result().passback_reported = s.population.passback > 0;
    stats_.result().passback_window_s = std::chrono::duration<double>(passback_.window()).count();
    stats_.result().seed = o.seed;
    stats_.result().hours = s.duration_hours;
  }

  SimResult run() {
    start();
    if (options_.realtime.speed > 0) {
      RealtimePacer pacer(options_.realtime.speed, options_.realtime.status);
      post_ = pacer.poster();
      pacer.run(*this);
    } else {
      advance(std::numeric_limits<SimTime>::max());
    }
    return finish();
  }

  // ---- PacedSimulation: what the real-time pacer (sim/realtime.hpp) drives ----
  // True once the arrival window is over and the port is empty (or nothing is left to happen).
  bool finished() const override {
    if (external_busy_ > 0) return false;
    return events_.empty() || (events_.now() >= end_ && in_port_ == 0 && !arrivals_.trace_pending());
  }

  // Handles the events due up to `until`, in order.
  void advance(SimTime until) override {
    while (!finished()) {
      const auto e = events_.pop_until(until);
      if (!e) break;
      handle(*e);
      if (options_.progress && (events_.handled() & 0xFFFF) == 0) options_.progress(fraction_done());
    }
  }

  void advance_clock(SimTime at) override { events_.advance_to(at); }
  std::optional<SimTime> next_event() const override {
    return events_.empty() ? std::nullopt : std::optional(events_.next_time());
  }

  RealtimeStatus status() const override {
    RealtimeStatus st;
    st.simulated_s = to_seconds(events_.now());
    st.fraction = fraction_done();
    st.in_port = in_port_;
    for (int c = 0; c < kChannelCount; ++c) st.queued[c] = channels_[c].queued_travellers;
    return st;
  }

 private:
  static const models::Port& find_port(const Scenario& s) {
    const models::Port* port = s.policy ? s.policy->find_port(s.port) : nullptr;
    if (!port) throw models::InputError(s.file + ": port: '" + s.port + "' is not in the policy data");
    return *port;
  }

  void start() {
    arrivals_.start();
    if (faults_.on())
      for (std::uint32_t g = 0; g < servers_.size(); ++g)
        if (servers_[g].channel != kCounters && !servers_[g].external) faults_.schedule_fault(g);
    events_.schedule_at(interval_, kTick);
    if (options_.travellers) traveller_records_.emplace(*options_.travellers, reasons_);
    if (options_.intervals) interval_records_.emplace(*options_.intervals);
  }

  double fraction_done() const { return std::min(1.0, to_seconds(events_.now()) / to_seconds(std::max<SimTime>(end_, 1))); }

  SimResult finish() {
    close_interval(true);
    SimResult r = stats_.finish(events_.now());
    for (auto& server : servers_)
      if (!server.up) r.downtime_s += to_seconds(events_.now() - server.down_since);
    r.events = events_.handled();
    if (faces_) {
      r.images_analysed = faces_->images_analysed();
      r.image_analysis_s = faces_->analysis_seconds();
    }
    r.drained_at_h = to_seconds(events_.now()) / 3600.0;
    if (options_.progress) options_.progress(1.0);
    return r;
  }

  void handle(const SimEvent& e) {
    switch (e.kind) {
      case kPoissonArrival:
      case kBatchStart:
      case kBatchMember:
      case kTraceArrival:
      case kPassbackArrival: arrivals_.handle(e); break;
      case kServiceDone: on_service_done(e); break;
      case kFault: on_fault(e); break;
      case kRepair: on_repair(e); break;
      case kTick: on_tick(); break;
      case kLaneReply: on_lane_reply(e); break;
      case kLaneTimer: on_lane_timer(e); break;
    }
  }

  // ---- routing ----
  // `holder`: a passback attempt's (Member::holder), for a party of one.
  void arrive(const PartyProfile& profile, std::uint64_t holder = 0) {
    const std::uint32_t slot = allocate();
    Party& p = parties_[slot];
    static_cast<PartyState&>(p) = PartyState{};
    p.id = ++party_count_;
    p.arrived = events_.now();
    p.counted = events_.now() >= warmup_;
    p.size = profile.size;
    p.has_guardian = profile.size > 1 && profile.members[0].age >= 18 && !profile.members[0].limited_capacity;
    for (int i = 0; i < p.size; ++i)
      p.members[i] = Member{.profile = profile.members[i], .id = ++traveller_count_, .holder = holder};
    const SimResult& r = stats_.result();
    const Channel channel = router_.route(p, r.servers[kDocumentFreeGates] > 0, r.servers[kDocumentGates] > 0);
    in_port_ += p.size;
    stats_.arrived(p, in_port_);
    join(slot, channel);
  }

  void join(std::uint32_t slot, int channel) {
    Party& p = parties_[slot];
    ChannelState& c = channels_[channel];
    p.joined = events_.now();
    if (stats_.result().servers[channel] == 0) {  // a referral with no counter to take it
      depart(slot, false);
      return;
    }
    if (!c.idle.empty()) {
      const std::uint32_t server = c.idle.back();
      c.idle.pop_back();
      start_service(server, slot);
    } else {
      c.queue.push_back(slot);
      c.queued_travellers += p.size;
    }
  }

  // ---- service ----
  void start_service(std::uint32_t server, std::uint32_t slot) {
    Server& g = servers_[server];
    Party& p = parties_[slot];
    const int channel = g.channel;
    const double wait = to_seconds(events_.now() - p.joined);
    stats_.service_started(channel, events_.now(), wait, p.size);
    g.party = static_cast<std::int32_t>(slot);
    p.service_started = events_.now();
    p.wait[channel] = static_cast<float>(wait);
    if (lanes_[server].controller) {
      begin_lane(server, p);
      return;
    }
    if (g.external) {
      serve_externally(server, p);
      return;
    }
    const SimTime duration = channel == kCounters ? seconds(plan_counter(p)) : sampled_gate(p, channel);
    events_.schedule_in(duration, kServiceDone, server, ++g.token);
  }

  double plan_counter(Party& p) {
    double total = 0;
    for (int i = 0; i < p.size; ++i)
      total += sample(scenario_.counter, service_rng_) * slowdown(p.members[i]);
    return total;
  }

  // ---- the devices' answers, drawn alike for both gate models ----
  // A frame the member shows: how many faces, whether it passes quality, and in image-level
  // mode the analysed image the match that follows compares.
  struct Frame {
    int faces = 1;
    bool quality_ok = true;
    const FaceImages::Analysed* image = nullptr;
  };
  Frame draw_frame(Member& m) {
    if (faces_) {  // the next image the traveller shows, through the real pipeline
      const FaceImages::Analysed& image = faces_->analyse(shown_image(m, m.presented++));
      return {static_cast<int>(image.faces), image.acceptable, &image};
    }
    return {1, !bio_.enabled || !service_rng_.bernoulli(bio_.frame_failure), nullptr};
  }

  double distance(bool same_person) {
    if (!bio_.enabled) return same_person ? 0.0 : 1.0;
    return (same_person ? bio_.genuine : bio_.impostor).sample(service_rng_);
  }

  // The 1:1 distance between the frame's face and the member's permit.
  double match_distance(const Member& m, const FaceImages::Analysed* frame) {
    return faces_ ? biometrics::descriptor_distance(*frame->descriptor, faces_->enrolled(template_image(m)))
                  : distance(!m.profile.impostor);
  }

  // The gallery's two nearest people to the frame's face. Statistical mode: the gallery holds
  // the traveller when enrolled (and not an impostor) plus other people; the nearest other is
  // drawn from the impostor distribution.
  gate::IdentificationDone identify(const Member& m, const FaceImages::Analysed* frame, std::uint64_t request) {
    if (faces_) return identify_image(m, *frame->descriptor, request);
    const Searched found = search_gallery(m);
    return gate::IdentificationDone{at(), request, gate::Candidate{gallery_id(found.nearest_tag, m), found.nearest},
                                    gate::Candidate{gallery_id(found.second_tag, m), found.second}};
  }

  // The statistical gallery search: the two nearest distances and whose they are, by the tag of
  // their id (kHolderTag: the member; 'X', 'Y': other people). The sampled model reads it
  // directly; identify() turns it into the controller's ids.
  struct Searched {
    double nearest = 0, second = 0;
    char nearest_tag = 'X', second_tag = 'Y';
  };
  Searched search_gallery(const Member& m) {
    Searched s;
    s.nearest = distance(false);
    if (m.profile.enrolled && !m.profile.impostor) {  // the member and the nearest other; the next other is not needed
      s.second = distance(true);
      s.second_tag = kHolderTag;
    } else {
      s.second = distance(false);
    }
    if (s.second < s.nearest) {
      std::swap(s.nearest, s.second);
      std::swap(s.nearest_tag, s.second_tag);
    }
    return s;
  }

  bool fingerprint_matches(const Member& m) {
    return !m.profile.impostor && !(bio_.enabled && service_rng_.bernoulli(bio_.fingerprint_fnmr));
  }

  // The transactions of a party at a gate, as the controller model runs them.
  static Transactions transactions(const Party& p) {
    Transactions t;
    for (int i = 1; i < p.size; ++i)
      if (p.members[i].profile.limited_capacity) {
        t.traveller[t.count++] = static_cast<std::uint8_t>(i);
        t.with_guardian = true;
      }
    if (!t.with_guardian)
      for (int i = 0; i < p.size; ++i) t.traveller[t.count++] = static_cast<std::uint8_t>(i);
    return t;
  }

  // What the gate saw of one person, into their record (both gate models): the step data, and
  // the biometric incidents. `failed_here`: the referral concerns this person's steps;
  // `fta_reason`: it is face.quality or face.timeout (for the traveller or the guardian).
  static void record_seen(Member& m, const Seen& e, bool failed_here, bool fta_reason) {
    m.served_at_gate = true;
    m.frames = static_cast<std::uint8_t>(std::min(e.frames, 255));
    if (e.distance) m.distance = static_cast<float>(*e.distance);
    if (e.document_s >= 0) m.document_s = e.document_s;
    if (e.face_s >= 0) m.face_s = e.face_s;
    if (e.fingerprint_s >= 0) m.fingerprint_s = e.fingerprint_s;
    if (e.face_passed == true && m.profile.impostor) m.incidents |= kIncidentFalseMatch;
    if (e.face_passed == false && !m.profile.impostor && e.match_attempts > 0) m.incidents |= kIncidentFalseNonMatch;
    if (e.fingerprint_matched == false && !m.profile.impostor) m.incidents |= kIncidentFingerprintFnm;
    if (e.liveness_refused && !m.profile.attack) m.incidents |= kIncidentLivenessRefused;
    if (failed_here && e.match_attempts == 0 && fta_reason) m.incidents |= kIncidentFta;
  }

  // ---- the sampled gate model ----
  // The controller's transaction (gate/gate_controller.cpp) drawn directly instead of run on
  // kernel events: the same transactions (transactions()), the steps in the same order
  // (gate_config_of(channel).steps; a guardian's steps after the traveller's when the verdict
  // asks for one), each device's answer drawn as the controller model draws it (step_time,
  // draw_frame, match_distance, identify, fingerprint_matches), judged by the same rules
  // (gate::judge_match, gate::judge_identification) within the same limits: a step whose answer
  // would come after its timeout ends at the timeout with the controller's referral code.
  // The policy check and the audit write take no time in either model.
  // ensures: the party's time at the gate; each member's step data; on a referral p.referred,
  //          the code on the transaction's traveller and party.member_referred on the others.
  SimTime sampled_gate(Party& p, int channel) {
    const Transactions plan = transactions(p);
    const gate::GateConfig& config = gate_config_of(channel);
    SimTime total = 0;
    p.planned = 0;
    p.guardian_passed = p.cleared_as_other = 0;
    while (p.planned < plan.count && !p.referred) {
      const int k = p.planned++;
      p.exit_from[k] = -1;
      total += sampled_transaction(p, plan.traveller[k], config, total, p.exit_from[k]);
      p.ended[k] = total;
    }
    return total;
  }

  // How a sampled step ended: passed (bit 0), or referred with the reason's bit.
  struct StepEnd {
    std::uint32_t bit = 0;
    bool guardian_failed = false;  // the code is the guardian's (the controller puts "guardian." in front)
    bool fta_reason = false;       // face.quality or face.timeout
  };

  // The reason's bit and whose it is: `role`'s, as the controller names it
  // (gate::GateController::reason) and the controller model records it (act(Completed): a
  // guardian's reason on the guardian, without "guardian.").
  StepEnd refer(gate::Role role, GateCode code) {
    StepEnd end;
    end.bit = reasons_.bit(code);
    end.guardian_failed = role == gate::Role::guardian;
    end.fta_reason = is_fta(code);
    return end;
  }

  // One transaction starting `start` into the party's service; ensures: its duration.
  SimTime sampled_transaction(Party& p, int traveller, const gate::GateConfig& c, SimTime start,
                              SimTime& exit_from) {
    Member* const people[2] = {&p.members[traveller], &p.members[0]};  // by role: traveller, guardian
    Seen seen[2];
    bool self[2] = {true, true};  // identified as themselves (document-free), else as someone else
    bool guardian_seen = false, guardian_required = false, guardian_on_record = false;
    SimTime t = 0;
    StepEnd end;
    auto step = [&](gate::Step s, gate::Role role) {
      const int r = role == gate::Role::guardian ? 1 : 0;
      Member& m = *people[r];
      Seen& e = seen[r];
      switch (s) {
        case gate::Step::read_document: {
          const SimTime d = step_time(scenario_.steps.document, m), limit = c.document_timeout.count();
          t += std::min(d, limit);
          e.document_s = static_cast<float>(to_seconds(std::min(d, limit)));
          // A guardian's permit is their own, on record for the ward (guardian_on_record).
          if (d > limit) end = refer(role, GateCode::document_timeout);
          else if (role == gate::Role::traveller && may_be_known(m) && passback_refuses(holder_id(m), events_.now() + start + t))
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
          if (role == gate::Role::guardian) end = refer(role, GateCode::m3_guardian);
          else if (std::find(c.steps.begin(), c.steps.end(), gate::Step::guardian) == c.steps.end())
            end = refer(gate::Role::traveller, GateCode::m3_guardian);
          guardian_required = true;
          guardian_on_record = traveller > 0 && p.has_guardian;
          return;
        }
        case gate::Step::face: end = sampled_face(m, role, c, e, events_.now() + start, t, self[r]); return;
        case gate::Step::fingerprint: {
          const SimTime limit = c.fingerprint_timeout.count();
          SimTime taken = 0;
          for (int attempts = 1;; ++attempts) {  // each capture gets the full time
            const SimTime d = step_time(scenario_.steps.fingerprint_time, m);
            const bool matched = fingerprint_matches(m);
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
      }
    };
    for (gate::Step s : c.steps) {
      if (s != gate::Step::guardian) {
        step(s, gate::Role::traveller);
      } else if (guardian_required && !guardian_on_record) {
        end = refer(gate::Role::traveller, GateCode::m3_guardian);
      } else if (guardian_required) {
        guardian_seen = true;
        for (gate::Step g : c.steps)
          if (g != gate::Step::guardian && end.bit == 0) step(g, gate::Role::guardian);
      }
      if (end.bit) break;
    }
    record_seen(*people[0], seen[0], end.bit && !end.guardian_failed, end.fta_reason);
    if (guardian_seen) record_seen(*people[1], seen[1], end.bit && end.guardian_failed, end.fta_reason);
    if (end.bit) {
      p.referred = true;
      people[end.guardian_failed ? 1 : 0]->reasons |= end.bit;
      for (int i = 0; i < p.size; ++i)
        if (p.members[i].reasons == 0) p.members[i].reasons = kReasonWithParty;
      return t;
    }
    // Cleared: the barrier opens; it closes after the exit timeout whether or not they are through.
    exit_from = start + t;
    if (guardian_seen) p.guardian_passed |= static_cast<std::uint8_t>(1u << (p.planned - 1));
    if (!self[0]) p.cleared_as_other |= static_cast<std::uint8_t>(1u << (p.planned - 1));
    const SimTime x = step_time(scenario_.steps.exit, *people[0]), limit = c.exit_timeout.count();
    if (x <= limit) people[0]->exit_s = static_cast<float>(to_seconds(x));
    return t + std::min(x, limit);
  }

  // The face step (on(FrameAnalysed), on(FaceMatched), on(IdentificationDone), face_matched,
  // liveness_settles, face_attempt_failed and the face window's timer in the controller): frames
  // until one passes quality, each such frame matched at once; with the liveness check on, its
  // verdict falls on the step's c.liveness.min_frames-th frame, before that frame is matched, and a face
  // that matched sooner keeps looking at the camera (frames for liveness only: no quality draw,
  // no image) until then. A frame that would come after the window ends the step at the window.
  // `began`: the transaction's start on the clock (`t` into it when the face step begins).
  StepEnd sampled_face(Member& m, gate::Role role, const gate::GateConfig& c, Seen& e, SimTime began, SimTime& t,
                       bool& self) {
    const SimTime window = c.face_window.count();
    const int allowed = role == gate::Role::guardian ? c.guardian_max_faces_in_frame : c.max_faces_in_frame;
    const bool liveness = c.liveness.mode != biometrics::LivenessMode::off;
    SimTime face = 0;
    int attempts = 0, match_attempts = 0;
    bool matched = false, live = false;
    StepEnd end;
    for (;;) {
      const SimTime f = step_time(scenario_.steps.frame, m);
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
      const Frame frame = matched ? Frame{} : draw_frame(m);
      ++attempts;
      ++e.frames;
      if (frame.faces > allowed) {
        end = refer(gate::Role::traveller, GateCode::tailgating);
        break;
      }
      if (liveness) {
        if (attempts >= c.liveness.min_frames) {
          if (!judged_live(m)) {
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
        const double d = match_distance(m, frame.image);
        e.distance = e.distance ? std::min(*e.distance, d) : d;
        matched = gate::judge_match(d, c);
      } else {
        std::optional<double> second;
        bool nearest_is_self = false;
        std::string nearest;  // who the gallery found nearest, built only for the passback check
        if (faces_) {
          const gate::IdentificationDone found = identify(m, frame.image, 0);
          e.distance = found.best ? std::optional(found.best->distance) : std::nullopt;
          second = found.second ? std::optional(found.second->distance) : std::nullopt;
          nearest_is_self = found.best && found.best->holder_id == holder_id(m);
          if (found.best && may_be_known(m)) nearest = found.best->holder_id;
        } else {  // no ids to build: the search's distances and who is nearest
          const Searched found = search_gallery(m);
          e.distance = found.nearest;
          second = found.second;
          nearest_is_self = found.nearest_tag == kHolderTag;
          if (may_be_known(m)) nearest = gallery_id(found.nearest_tag, m);
        }
        const gate::Identification judged = gate::judge_identification(e.distance, second, c);
        if (judged == gate::Identification::identified) {
          self = nearest_is_self;
          if (role == gate::Role::guardian && !self) {  // not the guardian on record
            end = refer(gate::Role::traveller, GateCode::m3_guardian);
            break;
          }
          // The controller's person_found: who was identified is asked about before the face counts as matched.
          if (role == gate::Role::traveller && !nearest.empty() && passback_refuses(nearest, began + t + face)) {
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

  // The lane's liveness verdict on `m`, decided once and kept, so both gate models and every
  // frame of the controller's face step see the same decision: drawn from the lane's error
  // rates (PadModel::judged_live), or in image-level mode the real detector's verdict
  // (biometrics::judge_liveness) on the image the traveller shows, or for an attacker on the
  // attack made from the enrolled photo of the face they present.
  bool judged_live(Member& m) {
    if (m.judged_live >= 0) return m.judged_live == 1;
    bool live = false;
    if (faces_) {
      const auto attack = m.profile.attack ? std::optional(static_cast<biometrics::AttackKind>(m.profile.attack_kind)) : std::nullopt;
      const auto measured = faces_->liveness(attack ? template_image(m) : shown_image(m, 0), attack, m.id);
      live = biometrics::judge_liveness(measured, faces_->liveness_config(), 0, true).live();
    } else {
      live = pad_.judged_live(m.profile.attack, m.profile.attack_kind, pad_rng_);
    }
    m.judged_live = live ? 1 : 0;
    return live;
  }

  // ---- anti-passback (the hall's ledger, passback_) ----
  // Whether the gate may find `m` in the hall's ledger: only a passback attempt. The ledger
  // holds travellers' own identities (P<id>, each presented once but by an attempt); a traveller
  // the gallery took for someone else is not remembered as that person, in either model (in
  // statistical mode an id nobody presents again). So the others are not asked: a lookup per
  // traveller is a sizeable share of the sampled model's time.
  bool may_be_known(const Member& m) const { return hall_ledger_on() && m.holder != 0; }
  // Without attempts in the population nobody is ever asked (may_be_known), so the hall's
  // ledger remembers nothing: no id strings built and kept per clearance.
  bool hall_ledger_on() const { return passback_.enabled() && scenario_.population.passback > 0; }

  // The sampled model's check once it knows who stands at the gate (the controller's
  // person_found): `holder` cleared within the window before `at`.
  bool passback_refuses(const std::string& holder, SimTime at) const {
    return passback_.enabled() && passback_.refuses(holder, gate::Time(at)) != nullptr;
  }

  // The controller model: before a lane asks about `holder` at `at`, it is given the hall's
  // clearance of them within the window (another lane's, or its own), as a live lane is given
  // its audit log's (gate::LaneDriver); the lane's own ledger then applies the rule.
  void seed_passback(std::uint32_t server, const std::string& holder, gate::Time at) {
    if (!passback_.enabled()) return;
    if (const gate::Clearance* earlier = passback_.refuses(holder, at)) lanes_[server].controller->remember(*earlier);
  }

  void record_clearance(std::uint32_t server, const std::string& holder, gate::Time at) {
    passback_.record({holder, at, "gate " + std::to_string(server)});
  }

  // The sampled model's clearances of transactions before `upto` (those whose barrier opened),
  // each at the time its barrier opened (when the controller's audit write confirms it), once
  // no fault can cut them short: when the party leaves the gate, or a fault ends transaction
  // `upto`.
  void record_sampled_clearances(std::uint32_t server, const Party& p, int upto) {
    if (!hall_ledger_on()) return;
    const Transactions plan = transactions(p);
    for (int k = 0; k < upto; ++k) {
      if (p.exit_from[k] < 0) continue;
      const gate::Time at(p.service_started + p.exit_from[k]);
      // A traveller the gallery took for someone else was cleared as that person: not
      // remembered (may_be_known).
      if (!(p.cleared_as_other & (1u << k))) record_clearance(server, holder_id(p.members[plan.traveller[k]]), at);
      if (p.guardian_passed & (1u << k)) record_clearance(server, holder_id(p.members[0]), at);
    }
  }

  void release(std::uint32_t server) {
    Server& g = servers_[server];
    const int channel = g.channel;
    stats_.service_ended(channel, events_.now());
    g.party = -1;
    if (!g.up) return;
    ChannelState& c = channels_[channel];
    if (c.queue.empty()) {
      c.idle.push_back(server);
      return;
    }
    const std::uint32_t next = c.queue.front();
    c.queue.pop_front();
    c.queued_travellers -= parties_[next].size;
    start_service(server, next);
  }

  void on_service_done(const SimEvent& e) {
    Server& g = servers_[e.target];
    if (e.data != g.token || g.party < 0) return;  // cancelled by a fault
    if (g.channel != kCounters) {  // the sampled gate model
      const Party& p = parties_[static_cast<std::uint32_t>(g.party)];
      record_sampled_clearances(e.target, p, p.planned);
    }
    finish_service(e.target);
  }

  void finish_service(std::uint32_t server) {
    Server& g = servers_[server];
    const auto slot = static_cast<std::uint32_t>(g.party);
    const int channel = g.channel;
    Party& p = parties_[slot];
    p.service[channel] = static_cast<float>(to_seconds(events_.now() - p.service_started));
    stats_.served(p, channel);
    release(server);
    if (channel != kCounters && p.referred) join(slot, kCounters);
    else depart(slot, true);
  }

  // ---- image-level mode ----
  // A generated traveller stands for a person of the faces folder: the one whose permit (or
  // gallery entry) they hold, by traveller id; an impostor shows another person's face.
  // A trace row's face_image / enrolled_image come first.
  bool from_folder(const Member& m, bool enrolled_photo) const {
    const std::uint32_t image = enrolled_photo ? m.profile.enrolled_image : m.profile.face_image;
    if (image) return false;
    if (faces_->people() == 0)
      throw models::InputError(scenario_.arrivals.trace + ": traveller " + std::to_string(m.id) +
                               " has no face_image / enrolled_image and the scenario names no faces folder");
    return true;
  }
  std::size_t claimed_person(const Member& m) const { return sim::claimed_person(person(m), faces_->people()); }
  std::size_t shown_person(const Member& m) const { return sim::shown_person(person(m), faces_->people(), m.profile.impostor); }
  std::filesystem::path template_image(const Member& m) const {
    return from_folder(m, true) ? faces_->template_image(claimed_person(m)) : trace_image(m.profile.enrolled_image);
  }
  std::filesystem::path shown_image(const Member& m, std::size_t attempt) const {
    return from_folder(m, false) ? faces_->presented_image(shown_person(m), attempt) : trace_image(m.profile.face_image);
  }

  // ensures: the trace's image `index`; empty for 0 (none given).
  std::filesystem::path trace_image(std::uint32_t index) const {
    if (index == 0) return {};
    return arrivals_.trace()->image(index);
  }

  // 1:N over the enrolled: the traveller's own template (not an impostor's: they are not
  // enrolled) and every other person of the folder, the impostor's own face excepted.
  gate::IdentificationDone identify_image(const Member& m, const biometrics::FaceDescriptor& probe, std::uint64_t request) {
    std::vector<gate::Candidate> found;
    if (!m.profile.impostor) found.push_back({holder_id(m), biometrics::descriptor_distance(probe, faces_->enrolled(template_image(m)))});
    const bool folder = m.profile.face_image == 0;
    for (std::size_t person = 0; person < faces_->people(); ++person) {
      if (folder && (person == shown_person(m) || (!m.profile.impostor && person == claimed_person(m)))) continue;
      found.push_back({tagged_id('X', person),
                       biometrics::descriptor_distance(probe, faces_->enrolled(faces_->template_image(person)))});
    }
    std::stable_sort(found.begin(), found.end(), [](const auto& x, const auto& y) { return x.distance < y.distance; });
    gate::IdentificationDone done{at(), request, std::nullopt, std::nullopt};
    if (!found.empty()) done.best = found[0];
    if (found.size() > 1) done.second = found[1];
    return done;
  }

  // ---- external gates (real-time replay) ----
  void serve_externally(std::uint32_t server, const Party& p) {
    Server& g = servers_[server];
    std::vector<ExternalTraveller> travellers;
    for (int i = 0; i < p.size; ++i) {
      const Member& m = p.members[i];
      const bool ward = i > 0 && p.has_guardian && m.profile.limited_capacity;
      travellers.push_back({to_traveller(m.profile, holder_id(m), scenario_.date,
                                         ward ? std::optional<std::string>(holder_id(p.members[0])) : std::nullopt),
                            person(m), m.profile.enrolled, m.profile.impostor, trace_image(m.profile.face_image),
                            trace_image(m.profile.enrolled_image)});
    }
    ++external_busy_;
    const std::uint64_t token = ++g.token;
    // The answer enters the simulation on the pacer's thread, at the wall clock's simulated time.
    g.external->serve(p.id, travellers, [this, post = post_, server, token](ExternalOutcome outcome) {
      post([this, server, token, outcome = std::move(outcome)](SimTime) mutable {
        external_done(server, token, std::move(outcome));
      });
    });
  }

  // The gate's answer: the party passed, or goes to a counter with the gate's reasons.
  void external_done(std::uint32_t server, std::uint64_t token, ExternalOutcome outcome) {
    --external_busy_;
    if (outcome.failure) std::rethrow_exception(outcome.failure);  // out of the io_context's run()
    Server& g = servers_[server];
    if (token != g.token || g.party < 0) return;
    Party& p = parties_[static_cast<std::uint32_t>(g.party)];
    std::uint32_t reasons = 0;
    for (const auto& code : outcome.reasons) reasons |= reasons_.bit(code);
    if (!outcome.cleared && reasons == 0) reasons = reasons_.bit("external.referred");
    if (outcome.evidence.size() == p.size)
      for (int i = 0; i < p.size; ++i) take_evidence(p.members[i], outcome.evidence[static_cast<std::size_t>(i)]);
    for (int i = 0; i < p.size; ++i) {
      Member& m = p.members[i];
      m.served_at_gate = true;
      if (outcome.cleared && m.profile.impostor) m.incidents |= kIncidentFalseMatch;
      if (outcome.cleared) continue;
      if (outcome.member >= 0 && outcome.member != i) {
        if (m.reasons == 0) m.reasons = kReasonWithParty;
        continue;
      }
      m.reasons |= reasons;
      if ((reasons & kReasonFaceNoMatch) && !m.profile.impostor) m.incidents |= kIncidentFalseNonMatch;
    }
    p.referred = !outcome.cleared;
    if (outcome.cleared && hall_ledger_on())  // the hall's other gates know it
      for (int i = 0; i < p.size; ++i) record_clearance(server, holder_id(p.members[i]), at());
    finish_service(server);
  }

  // Frames, distance and step times (wall seconds, read at the replay's speed) for the record.
  void take_evidence(Member& m, const ExternalEvidence& e) const {
    if (e.frames <= 0) return;
    m.frames = static_cast<std::uint8_t>(std::min(e.frames, 255));
    if (e.distance) m.distance = static_cast<float>(*e.distance);
    const double speed = options_.realtime.speed;
    if (e.document_s >= 0) m.document_s = static_cast<float>(e.document_s * speed);
    if (e.face_s >= 0) m.face_s = static_cast<float>(e.face_s * speed);
    if (e.fingerprint_s >= 0) m.fingerprint_s = static_cast<float>(e.fingerprint_s * speed);
  }

  // ---- gates run by the real gate controller, on the virtual clock ----
  const gate::GateConfig& gate_config_of(int channel) const {
    return gate_configs_[channel == kDocumentFreeGates ? 1 : 0];
  }

  // Ids the controller sees: "P<n>" a traveller's (holder or permit), "D<n>" a document,
  // "X<n>"/"Y<n>" the people a gallery search finds nearest to traveller n. Built in a buffer,
  // one string construction per id (g++ 12 gives a false -Wrestrict on "literal" + std::string&&).
  static std::string tagged_id(char tag, std::uint64_t id) {
    char text[24] = {tag};
    return {text, std::to_chars(text + 1, text + sizeof text, id).ptr};
  }
  static constexpr char kHolderTag = 'P';
  // The person whose permit and face `m` presents: themselves, or for a passback attempt the
  // traveller they come back as.
  static std::uint64_t person(const Member& m) { return m.holder != 0 ? m.holder : m.id; }
  static std::string holder_id(const Member& m) { return tagged_id(kHolderTag, person(m)); }
  // A statistical gallery search's id for `tag` (Searched): the member's own, or someone else near them.
  static std::string gallery_id(char tag, const Member& m) { return tag == kHolderTag ? holder_id(m) : tagged_id(tag, m.id); }

  double slowdown(const Member& m) const { return sim::slowdown(m.profile, scenario_.population); }

  // One transaction per traveller; a ward with limited capacity passes in one transaction with
  // the guardian (member 0), as the controller pairs them.
  void begin_lane(std::uint32_t server, Party& p) {
    Lane& lane = lanes_[server];
    lane.plan = transactions(p);
    lane.next_transaction = 0;
    next_transaction(server);
  }

  void next_transaction(std::uint32_t server) {
    Lane& lane = lanes_[server];
    Party& p = parties_[static_cast<std::uint32_t>(servers_[server].party)];
    if (lane.verdict_in_flight >= 0) p.members[lane.verdict_in_flight].judged_live = -1;
    lane.verdict_in_flight = -1;
    if (p.referred || lane.next_transaction == lane.plan.count) {
      ++lane.reply_token;
      lane.pending.reset();
      finish_service(server);
      return;
    }
    lane.traveller = lane.plan.traveller[lane.next_transaction++];
    lane.completed = false;
    feed(server, gate::TravellerArrived{gate::Time(events_.now())});
  }

  Member& lane_member(std::uint32_t server, gate::Role role) {
    Lane& lane = lanes_[server];
    Party& p = parties_[static_cast<std::uint32_t>(servers_[server].party)];
    return p.members[role == gate::Role::guardian ? 0 : lane.traveller];
  }

  template <class Reply>
  void reply_later(std::uint32_t server, SimTime delay, Reply&& reply) {
    Lane& lane = lanes_[server];
    lane.pending.emplace(std::forward<Reply>(reply));
    events_.schedule_in(delay, kLaneReply, server, ++lane.reply_token);
  }

  void on_lane_reply(const SimEvent& e) {
    Lane& lane = lanes_[e.target];
    if (e.data != lane.reply_token || !lane.pending) return;  // superseded (timeout, fault)
    if (std::holds_alternative<gate::TravellerPassed>(*lane.pending) && servers_[e.target].party >= 0)
      lane_member(e.target, gate::Role::traveller).exit_s = static_cast<float>(to_seconds(events_.now() - lane.barrier_opened));
    lane.verdict_in_flight = -1;  // the verdict reaches the gate
    // Fed in place: feed() is done with its event once the controller has handled it, before
    // any action can set the lane's next reply (which bumps the token: that one stays).
    feed(e.target, *lane.pending);
    if (lane.reply_token == e.data) lane.pending.reset();
  }

  // A cancelled timer stays in the kernel until due (removal would cost more than the pop);
  // the controller would ignore it, so it is dropped here.
  void on_lane_timer(const SimEvent& e) {
    auto& timers = lanes_[e.target].timers;
    const auto live = std::find(timers.begin(), timers.end(), e.data);
    if (live == timers.end()) return;
    timers.erase(live);
    feed(e.target, gate::TimerFired{gate::Time(events_.now()), e.data});
  }

  // Hands `event` to the gate's controller and carries out its actions: delayed answers become
  // kernel events, immediate ones (policy, matching, audit) are fed back at once.
  // The buffers are reused (no allocation per event once warm): no act() calls feed(), and the
  // nested feed() of next_transaction() comes after this one is done with them. `event` is
  // read only until the controller has handled it (an action may replace the lane's reply).
  void feed(std::uint32_t server, const gate::Event& event) {
    Lane& lane = lanes_[server];
    pending_.clear();
    auto handle = [&](const gate::Event& e) {
      lane.controller->handle(e, actions_);
      for (const auto& action : actions_) std::visit([&](const auto& a) { act(server, a, pending_); }, action);
    };
    handle(event);
    for (std::size_t next = 0; next < pending_.size(); ++next) handle(pending_[next]);
    if (lane.completed && lane.controller->state() == gate::LaneState::idle && servers_[server].party >= 0) {
      lane.completed = false;
      next_transaction(server);
    }
  }

  using Pending = std::vector<gate::Event>;  // answers due now, in order
  gate::Time at() const { return gate::Time(events_.now()); }
  SimTime step_time(const Distribution& d, const Member& m) { return seconds(sample(d, service_rng_) * slowdown(m)); }

  void act(std::uint32_t server, const gate::ReadDocument& a, Pending&) {
    const Member& m = lane_member(server, a.role);
    const SimTime delay = step_time(scenario_.steps.document, m);
    if (a.role == gate::Role::traveller && may_be_known(m)) seed_passback(server, holder_id(m), at() + gate::Duration(delay));
    reply_later(server, delay, gate::DocumentRead{at() + gate::Duration(delay), a.request,
                                                  gate::DocumentInfo{holder_id(m), tagged_id('D', person(m))}, ""});
  }

  // The controller asks about the person whose document was read or whom the gallery found:
  // one of the party (P ids) gets the engine's verdict; someone else the gallery matched (X, Y)
  // is assumed eligible, so the simulation shows what a false identification lets through.
  void act(std::uint32_t server, const gate::CheckPolicy& a, Pending& now) {
    gate::PolicyChecked checked{at(), a.request, true, {}, false, {}};
    if (a.holder_id.empty() || a.holder_id[0] == 'P') {
      const Party& p = parties_[static_cast<std::uint32_t>(servers_[server].party)];
      const int i = a.role == gate::Role::guardian ? 0 : lanes_[server].traveller;
      const Verdict& v = *p.members[i].gate_verdict;
      checked.eligible = v.reasons == 0;
      for (std::uint32_t bits = v.reasons; bits != 0; bits &= bits - 1)  // each set bit, lowest first
        checked.reasons.push_back({reasons_.name_of(static_cast<std::size_t>(std::countr_zero(bits))), ""});
      checked.guardian_required = v.guardian_required;
      if (v.guardian_required && i > 0 && p.has_guardian) checked.guardian_ids = {holder_id(p.members[0])};
    }
    now.push_back(std::move(checked));
  }

  void act(std::uint32_t server, const gate::CaptureFrame& a, Pending&) {
    Member& m = lane_member(server, a.role);
    const SimTime delay = step_time(scenario_.steps.frame, m);
    std::optional<biometrics::LivenessMeasurements> liveness;
    if (a.first) m.liveness_frames = 0;  // a face step starts: the lane's detector starts afresh
    if (pad_.on()) {
      // Before the check's last frame the detector is still collecting; the verdict (in image
      // mode the real detector's, which is costly) is taken only once that frame is reached.
      if (++m.liveness_frames < lanes_[server].controller->config().liveness.min_frames) {
        liveness.emplace().frames = m.liveness_frames;
      } else {
        const bool frozen = m.profile.attack && m.profile.attack_kind == std::uint8_t(biometrics::AttackKind::frozen);
        liveness = pad_.measurements(judged_live(m), frozen, m.liveness_frames);
        lanes_[server].verdict_in_flight = static_cast<std::int8_t>(a.role == gate::Role::guardian ? 0 : lanes_[server].traveller);
      }
    }
    if (a.liveness_only) {  // the face already matched: as the sampled model, no failure draw and no image analysed
      reply_later(server, delay, gate::FrameAnalysed{at() + gate::Duration(delay), a.request, 1, true, {}, "", liveness});
      return;
    }
    const Frame drawn = draw_frame(m);
    lanes_[server].last_frame = drawn.image;
    gate::FrameAnalysed frame{at() + gate::Duration(delay), a.request, drawn.faces, drawn.quality_ok, {}, "", liveness};
    if (drawn.image) frame.quality_reasons = drawn.image->reasons;
    else if (!drawn.quality_ok) frame.quality_reasons = {"quality below threshold (simulated)"};
    reply_later(server, delay, std::move(frame));
  }

  void act(std::uint32_t server, const gate::MatchFace& a, Pending& now) {
    const Member& m = lane_member(server, lanes_[server].controller->current_role());
    now.push_back(gate::FaceMatched{at(), a.request, true, match_distance(m, lanes_[server].last_frame)});
  }

  void act(std::uint32_t server, const gate::Identify& a, Pending& now) {
    const gate::Role role = lanes_[server].controller->current_role();
    gate::IdentificationDone found = identify(lane_member(server, role), lanes_[server].last_frame, a.request);
    if (role == gate::Role::traveller && found.best && may_be_known(lane_member(server, role)))
      seed_passback(server, found.best->holder_id, at());
    now.push_back(std::move(found));
  }

  void act(std::uint32_t server, const gate::CaptureFingerprint& a, Pending&) {
    const Member& m = lane_member(server, lanes_[server].controller->current_role());
    const SimTime delay = step_time(scenario_.steps.fingerprint_time, m);
    const bool matched = fingerprint_matches(m);
    reply_later(server, delay, gate::FingerprintResult{at() + gate::Duration(delay), a.request,
                                                       matched ? gate::FingerprintOutcome::matched
                                                               : gate::FingerprintOutcome::not_matched});
  }

  void act(std::uint32_t server, const gate::StartTimer& a, Pending&) {
    lanes_[server].timers.push_back(a.id);
    events_.schedule_timeout(a.duration.count(), kLaneTimer, server, a.id);
  }

  void act(std::uint32_t server, const gate::CancelTimer& a, Pending&) {
    auto& timers = lanes_[server].timers;
    timers.erase(std::remove(timers.begin(), timers.end(), a.id), timers.end());
  }

  // The audit log is not simulated: a write is durable at once.
  void act(std::uint32_t, const gate::WriteAudit& a, Pending& now) { now.push_back(gate::AuditWritten{at(), a.request, true, ""}); }

  void act(std::uint32_t server, const gate::OpenBarrier&, Pending&) {
    Lane& lane = lanes_[server];
    lane.barrier_opened = events_.now();
    const SimTime delay = step_time(scenario_.steps.exit, lane_member(server, gate::Role::traveller));
    reply_later(server, delay, gate::TravellerPassed{at() + gate::Duration(delay)});
  }

  void act(std::uint32_t server, const gate::Completed& a, Pending&) {
    Lane& lane = lanes_[server];
    lane.completed = true;
    Party& p = parties_[static_cast<std::uint32_t>(servers_[server].party)];
    const gate::TransactionOutcome& o = *a.outcome;
    const bool referred = o.decision == gate::Decision::referred;
    if (!referred && hall_ledger_on())  // the lane recorded the same in its own ledger
      for (const gate::PersonEvidence& e : o.people)
        if (!e.holder_id.empty() && e.holder_id[0] == kHolderTag) record_clearance(server, e.holder_id, at());
    // The controller names its codes in text (the guardian's with "guardian.",
    // GateController::reason); the reason is read once, into its bit, and asked as a GateCode.
    constexpr std::string_view kGuardian = "guardian.";
    bool guardian_failed = false, fta_reason = false;
    if (referred && !o.reasons.empty()) {
      const std::string& code = o.reasons.front().code;
      guardian_failed = code.starts_with(kGuardian);
      const std::uint32_t bit = reasons_.bit(guardian_failed ? code.substr(kGuardian.size()) : code);
      fta_reason = bit == reasons_.bit_if_known(GateCode::face_quality) ||
                   bit == reasons_.bit_if_known(GateCode::face_timeout);
    }
    for (const gate::PersonEvidence& e : o.people) {
      const std::string_view document = gate::step_name(gate::Step::read_document, e.role),
                             face = gate::step_name(gate::Step::face, e.role),
                             fingerprint = gate::step_name(gate::Step::fingerprint, e.role);
      Seen seen{e.frames, e.match_attempts, e.distance, e.face_passed, e.fingerprint_matched};
      for (const auto& t : o.timings) {
        const auto secs = static_cast<float>(std::chrono::duration<double>(t.duration).count());
        if (t.step == document) seen.document_s = secs;
        else if (t.step == face) seen.face_s = secs;
        else if (t.step == fingerprint) seen.fingerprint_s = secs;
      }
      // A bona fide refusal is the check's verdict, not a face window that ended first.
      seen.liveness_refused = e.liveness && e.liveness->verdict == biometrics::LivenessVerdict::attack;
      record_seen(lane_member(server, e.role), seen, referred && (e.role == gate::Role::guardian) == guardian_failed,
                  fta_reason);
    }
    if (!referred) return;
    p.referred = true;
    // Each reason goes on the member it concerns, as in the sampled model: the controller names
    // the guardian's own with "guardian." (GateController::reason), so a guardian stopped by
    // liveness is the one with face.liveness, not the ward.
    for (const auto& r : o.reasons) {
      const bool guardians = r.code.starts_with(kGuardian);
      lane_member(server, guardians ? gate::Role::guardian : gate::Role::traveller).reasons |=
          reasons_.bit(guardians ? r.code.substr(kGuardian.size()) : r.code);
    }
    for (int i = 0; i < p.size; ++i)
      if (p.members[i].reasons == 0) p.members[i].reasons = kReasonWithParty;
  }

  // Indicators, alarms, barrier closing and
  // the referral itself (Completed carries it) need nothing from the simulation.
  template <class Other>
  void act(std::uint32_t, const Other&, Pending&) {}

  // ---- faults ----
  void on_fault(const SimEvent& e) {
    Server& g = servers_[e.target];
    g.up = false;
    g.down_since = events_.now();
    ++stats_.result().faults;
    ChannelState& c = channels_[g.channel];
    c.idle.erase(std::remove(c.idle.begin(), c.idle.end(), e.target), c.idle.end());
    if (g.party >= 0 && lanes_[e.target].controller) {
      // The controller decides what a fault means for the transaction under way.
      // A simulated gate failure is out of service until repaired, as if unplugged.
      feed(e.target, gate::DeviceFault{gate::Time(events_.now()), gate::Device::camera, devices::FaultKind::disconnected,
                                       "gate fault (simulated)"});
    } else if (g.party >= 0) {
      // The sampled model, as the controller: a fault during a step ends the transaction under
      // way as a referral naming the device; one while the traveller walks out changes nothing.
      const auto slot = static_cast<std::uint32_t>(g.party);
      Party& p = parties_[slot];
      const SimTime into = events_.now() - p.service_started;
      int k = 0;
      while (k + 1 < p.planned && p.ended[k] <= into) ++k;
      if (p.exit_from[k] < 0 || into < p.exit_from[k]) {
        ++g.token;
        record_sampled_clearances(e.target, p, k);  // those before k cleared
        p.service[g.channel] = static_cast<float>(to_seconds(into));
        p.referred = true;
        // The drawn steps of this transaction and the later ones did not happen.
        const Transactions plan = transactions(p);
        for (int j = k; j < plan.count; ++j) forget_gate(p.members[plan.traveller[j]]);
        if (plan.with_guardian && k == 0) forget_gate(p.members[0]);
        p.members[plan.traveller[k]].reasons = kReasonDeviceFault;
        for (int i = 0; i < p.size; ++i)
          if (p.members[i].reasons == 0) p.members[i].reasons = kReasonWithParty;
        release(e.target);
        join(slot, kCounters);
      }
    }
    faults_.schedule_repair(e.target);
  }

  // A transaction the sampled model drew whole and a fault cut short: what it drew for `m` did
  // not happen, the liveness verdict included (else a traveller never checked would count as
  // checked and not refused, and the BPCER would read low).
  static void forget_gate(Member& m) {
    m.reasons = 0;
    m.incidents = 0;
    m.judged_live = -1;
    m.document_s = m.face_s = m.fingerprint_s = m.exit_s = m.distance = -1;
    m.frames = 0;
    m.served_at_gate = false;
  }

  void on_repair(const SimEvent& e) {
    Server& g = servers_[e.target];
    g.up = true;
    stats_.result().downtime_s += to_seconds(events_.now() - g.down_since);
    ChannelState& c = channels_[g.channel];
    if (c.queue.empty()) {
      c.idle.push_back(e.target);
    } else {
      const std::uint32_t next = c.queue.front();
      c.queue.pop_front();
      c.queued_travellers -= parties_[next].size;
      start_service(e.target, next);
    }
    faults_.schedule_fault(e.target);
  }

  // ---- departures ----
  void depart(std::uint32_t slot, bool served) {
    Party& p = parties_[slot];
    in_port_ -= p.size;
    stats_.left(p);
    for (int i = 0; i < p.size; ++i) {
      Member& m = p.members[i];
      const bool cleared_at_gate = served && m.served_at_gate && !p.referred;
      if (m.profile.attack && cleared_at_gate) m.incidents |= kIncidentAttackPassed;
      if (m.holder != 0 && cleared_at_gate) m.incidents |= kIncidentPassbackPassed;
      const Decision decision = decide(p, m, served);
      if (p.counted) stats_.departed(p, m, decision);
      if (traveller_records_) traveller_records_->write(p, m, decision, events_.now());
      if (cleared_at_gate) arrivals_.maybe_come_back(m);
    }
    free_slots_.push_back(slot);
  }

  // What became of `m` of `p`, who leaves the port (`served`: by a gate or a counter).
  static Decision decide(const Party& p, const Member& m, bool served) {
    if (!served) return Decision::unserved;
    if (!p.referred) return Decision::cleared;
    if (m.profile.impostor && !(m.incidents & kIncidentFalseMatch)) return Decision::refused_entry;
    if (m.profile.attack) return Decision::refused_entry;  // the counter sees a photo, not the holder
    if (m.holder != 0) return Decision::refused_entry;     // the officer sees the earlier crossing
    return Decision::cleared;
  }

  // ---- intervals ----
  void on_tick() {
    close_interval(false);
    events_.schedule_in(interval_, kTick);
  }

  void close_interval(bool last) {
    std::array<std::uint64_t, kChannelCount> queued{};
    for (int c = 0; c < kChannelCount; ++c) queued[c] = channels_[c].queued_travellers;
    std::uint32_t gates_down = 0;
    for (const auto& g : servers_) gates_down += g.up ? 0 : 1;
    const IntervalRow* row = stats_.close_interval(events_.now(), interval_, queued, gates_down, last);
    if (row && interval_records_) interval_records_->write(*row);
  }

  std::uint32_t allocate() {
    if (free_slots_.empty()) {
      parties_.emplace_back();
      return static_cast<std::uint32_t>(parties_.size() - 1);
    }
    const std::uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    return slot;
  }

  const Scenario& scenario_;
  const RunOptions& options_;
  // Declared first: the parts below are built on them.
  EventQueue events_;
  ReasonTable reasons_;
  RealtimePacer::Poster post_;  // a real-time replay's: hands an external gate's answer in
  std::uint32_t external_busy_ = 0;        // parties at external gates
  std::unique_ptr<FaceImages> faces_;      // image-level mode
  std::vector<gate::Event> pending_;       // feed()'s buffers
  std::vector<gate::Action> actions_;
  std::vector<Lane> lanes_;  // by server; a controller only on gates in controller mode
  BiometricModel bio_;
  PadModel pad_;
  PortStatistics stats_;
  Router router_;
  Arrivals arrivals_;
  GateFaults faults_;
  std::optional<TravellerRecords> traveller_records_;  // travellers.jsonl, when asked for
  std::optional<IntervalRecords> interval_records_;    // intervals.csv, when asked for
  Rng service_rng_, pad_rng_;
  gate::GateConfig gate_configs_[2];  // document, document-free: both gate models' rules
  // Anti-passback for the whole hall (both channels: the scenario's direction of the port, whose
  // lanes share one audit log): every gate's clearances, in both gate models. The sampled
  // model asks it; the controller model's lanes hold their own (GateConfig::passback_window)
  // and are given this one's clearance of the holder before they ask (seed_passback), as a live
  // lane is given its audit log's. Off (window zero) unless the population has passback attempts.
  gate::PassbackLedger passback_;
  SimTime end_, warmup_, interval_;
  std::vector<Server> servers_;
  ChannelState channels_[kChannelCount];
  std::vector<Party> parties_;  // slots, reused: as many as were ever in the port at once
  std::vector<std::uint32_t> free_slots_;
  std::uint64_t party_count_ = 0, traveller_count_ = 0, in_port_ = 0;
};

}  // namespace

SimResult run_simulation(const Scenario& scenario, const RunOptions& options) {
  return PortSimulation(scenario, options).run();
}

}  // namespace gatesim::sim
