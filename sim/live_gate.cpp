#include "sim/live_gate.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "biometrics/image_io.hpp"
#include "models/input_error.hpp"
#include "sim/face_images_pipeline.hpp"
#include "sim/trace.hpp"

namespace gatesim::sim {
namespace {

// Where the port hands travellers to the lane: the chips of the transaction under way, and who
// stands in front of the camera (the person whose chip was read last).
class Booth {
 public:
  struct Presentation {
    devices::ChipRecord chip;
    std::size_t person = 0;  // of the roster: whose face the scripted camera shows
    std::filesystem::path image;  // a trace row's face_image, shown instead of the person's images
  };
  // Who is in front of the camera: a roster person (and their image) or a trace's image.
  struct Look {
    std::size_t person = 0;
    std::size_t frames = 0;  // shown before this one
    std::filesystem::path image;
  };

  // Opens a transaction: the traveller's chip, then (for a ward) the guardian's.
  void step_up(std::vector<Presentation> turn) {
    std::lock_guard lock(mutex_);
    turn_.assign(std::make_move_iterator(turn.begin()), std::make_move_iterator(turn.end()));
    open_ = true;
    changed_.notify_all();
  }
  // Chips the lane did not ask for (a guardian's, when the ward was referred first) are dropped.
  void transaction_over() {
    std::lock_guard lock(mutex_);
    turn_.clear();
    open_ = false;
  }
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }
  // Blocks until a transaction is open or the run is over.
  // ensures: the transaction's next chip; nullopt when its chips are all read or the run is over.
  std::optional<devices::ChipRecord> read() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return open_ || closed_; });
    if (turn_.empty()) return std::nullopt;
    Presentation next = std::move(turn_.front());
    turn_.pop_front();
    person_ = next.person;
    image_ = std::move(next.image);
    frames_ = 0;
    return std::move(next.chip);
  }
  // ensures: who is at the lane (nullopt: nobody yet), counting this frame.
  std::optional<Look> look() {
    std::lock_guard lock(mutex_);
    if (!person_) return std::nullopt;
    return Look{*person_, frames_++, image_};
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Presentation> turn_;
  bool open_ = false, closed_ = false;
  std::optional<std::size_t> person_;
  std::filesystem::path image_;
  std::size_t frames_ = 0;
};

class HandedOverDocuments final : public devices::DocumentReader {
 public:
  explicit HandedOverDocuments(Booth& booth) : booth_(booth) {}
  std::optional<devices::ChipRecord> read() override { return booth_.read(); }
  std::string name() const override { return "simulated permits"; }

 private:
  Booth& booth_;
};

// The scripted camera: the images of the person at the lane, in turn (FaceImages::presented_image),
// or the trace's face_image of the traveller at every frame (as in the image-level mode).
class FacesCamera final : public devices::Camera {
 public:
  FacesCamera(Booth& booth, const FaceImages& faces, std::string name) : booth_(booth), faces_(faces), name_(std::move(name)) {}
  void open() override { open_ = true; }
  devices::Frame read() override {
    const auto look = booth_.look();
    if (!look) throw devices::DeviceFault(devices::FaultKind::timeout, name_, "nobody at the lane");
    const auto& image = look->image.empty() ? faces_.presented_image(look->person, look->frames) : look->image;
    return {biometrics::load_image(image), clock_.now(), sequence_++};
  }
  void close() override { open_ = false; }
  bool is_open() const override { return open_; }
  std::string name() const override { return name_; }

 private:
  Booth& booth_;
  const FaceImages& faces_;
  std::string name_;
  devices::Clock& clock_ = devices::steady_clock();
  std::uint64_t sequence_ = 0;
  bool open_ = true;
};

// What the lane's device calls touch, owned together. The driver shares it (an aliasing
// shared_ptr to `lane`) with a device call it abandoned — a camera stuck in a read — so the booth,
// the records, the faces the scripted camera shows and the devices live until that call
// returns, even after the gate is gone. `observed` (what watches the lane, LiveGateSetup::observe)
// is destroyed first, then `lane`.
struct LaneParts {
  std::optional<FaceImagesPipeline> faces;
  Booth booth;
  gate::TravellerRecords records;
  std::unique_ptr<gate::DeviceLane> lane;
  std::shared_ptr<gate::LaneDevices> observed;
};

}  // namespace

struct LiveGate::Impl final : gate::LaneServices {
  // One lane transaction: a member of the party, with the guardian for a ward.
  struct Turn {
    int traveller = 0;
    std::optional<int> guardian;
  };

  Impl(const Scenario& s, const biometrics::ModelStore& models, LiveGateSetup setup)
      : scenario(s), name(setup.name), console(setup.console) {
    if (!setup.devices.barrier || !setup.devices.indicator || setup.devices.documents)
      throw std::invalid_argument("LiveGate: a barrier and an indicator, and no document reader");
    if (s.steps.fingerprint && !setup.devices.fingerprint)
      throw models::InputError(name + ": the scenario's gates take fingerprints (steps.fingerprint): the live gate needs "
                               "a fingerprint reader");
    scripted = !setup.devices.camera;
    if (!setup.enrolment.empty()) {
      if (scripted)
        throw models::InputError(name + ": the scripted camera shows the faces folder's people, who are enrolled from "
                                 "it: give a camera with the enrolment database " + setup.enrolment.string());
      store = std::make_unique<gate::EnrolmentStore>(setup.enrolment, gate::EnrolmentStore::Open::existing_only);
      for (const auto& h : store->holders())
        if (!h.templates.empty()) roster.push_back(h.holder.id);
      if (roster.empty())
        throw models::InputError(setup.enrolment.string() + ": no enrolled face templates (add some with `gatesim enroll`)");
    } else {
      if (s.faces.empty())
        throw models::InputError(name + ": no one to stand for the simulated travellers: give an enrolment database or "
                                 "a faces folder (the scenario's faces, or --set faces=DIR)");
      enrol_faces(models);
    }
    enrol_trace_photos(models);
    if (scripted) setup.devices.camera = std::make_unique<FacesCamera>(booth, *faces, "faces:" + s.faces);
    setup.devices.documents = std::make_unique<HandedOverDocuments>(booth);

    gate::LanePolicy lane_policy;
    lane_policy.policy = s.policy.get();
    lane_policy.port = s.policy->find_port(s.port);
    if (!lane_policy.port) throw models::InputError(s.file + ": port: '" + s.port + "' is not in the policy data");
    lane_policy.date = s.date;
    lane_policy.direction = s.direction;
    lane_policy.channel = gate::Channel::document;
    parts->lane = std::make_unique<gate::DeviceLane>(std::move(setup.devices), records);
    policy = std::make_unique<gate::PolicyServices>(lane_policy, *store, records);
    audit = std::make_unique<gate::AuditLog>(setup.audit, name, gate::LanePlace{lane_policy.port->id, lane_policy.direction});
    setup.config.channel = gate::Channel::document;
    auto also = std::move(setup.driver.on_outcome);
    setup.driver.on_outcome = [this, also = std::move(also)](const gate::TransactionOutcome& o) {
      if (also) also(o);
      transaction_done(o);
    };
    gate::LaneDevices* driven = parts->lane.get();
    if (setup.observe) {
      parts->observed = setup.observe(*parts->lane);
      driven = parts->observed.get();
    }
    driver = std::make_unique<gate::LaneDriver>(setup.config, models, std::shared_ptr<gate::LaneDevices>(parts, driven), *this,
                                                *audit, std::move(setup.driver));
    thread = std::thread([this] { run(); });
  }

  // The faces folder's people, each enrolled from their first image, in memory.
  void enrol_faces(const biometrics::ModelStore& models) {
    faces.emplace(scenario.faces, models);
    store = std::make_unique<gate::EnrolmentStore>(":memory:");
    for (std::size_t p = 0; p < faces->people(); ++p) {
      const auto& image = faces->template_image(p);
      gate::PermitHolder holder;
      holder.id = faces->name(p);
      store->enrol(holder, {{faces->enrolled(image), {image.filename().string(), "hog upsample=1", ""}}});
      roster.push_back(holder.id);
    }
  }

  // A trace's permit photos (enrolled_image), analysed now as the faces folder's people are: a
  // real lane has the holder's template from the chip before the face step, so working it out
  // must not take the face step's time.
  void enrol_trace_photos(const biometrics::ModelStore& models) {
    if (scenario.arrivals.trace.empty()) return;
    TraceReader trace(scenario.arrivals.trace, scenario.start_hour);
    while (const auto row = trace.next())
      for (int i = 0; i < row->party.size; ++i)
        if (const std::uint32_t photo = row->party.members[i].enrolled_image) {
          if (!faces) faces.emplace(std::filesystem::path(), models);
          faces->enrolled(trace.image(photo));
        }
  }

  void run() {
    std::exception_ptr error;
    try {
      completed = driver->run();
    } catch (...) {
      error = std::current_exception();
    }
    std::function<void(ExternalOutcome)> done;
    {
      std::lock_guard lock(mutex);
      stopped = true;
      failure = error;
      done = std::move(party_done);
      party_done = nullptr;
    }
    if (done) done(stopped_outcome());
  }
  // For a party the lane can no longer serve. requires: stopped.
  ExternalOutcome stopped_outcome() const {
    ExternalOutcome outcome;
    outcome.cleared = false;
    outcome.failure = failure ? failure : std::make_exception_ptr(std::runtime_error(name + ": the lane has stopped"));
    return outcome;
  }

  void serve(const std::vector<ExternalTraveller>& party, std::function<void(ExternalOutcome)> done) {
    std::unique_lock lock(mutex);
    if (stopped) {
      const ExternalOutcome outcome = stopped_outcome();
      lock.unlock();
      done(outcome);
      return;
    }
    travellers = party;
    turns.clear();
    holders.clear();
    const bool with_ward = std::any_of(party.begin(), party.end(), [](const auto& t) { return t.facts.guardian_id.has_value(); });
    for (std::size_t i = 0; i < party.size(); ++i) {
      const auto& facts = party[i].facts;
      holders[facts.id] = roster[claimed_person(party[i].number, roster.size())];
      const int member = static_cast<int>(i);
      if (facts.guardian_id) {
        const auto guardian = std::find_if(party.begin(), party.end(), [&](const auto& t) { return t.facts.id == *facts.guardian_id; });
        turns.push_back({member, guardian == party.end() ? std::nullopt : std::optional(static_cast<int>(guardian - party.begin()))});
      } else if (!(with_ward && i == 0)) {  // the guardian passes with their wards
        turns.push_back({member, std::nullopt});
      }
    }
    next_turn = 0;
    evidence.assign(party.size(), ExternalEvidence{});
    party_done = std::move(done);
    step_up();
  }

  // Hands the next turn's chips to the lane. requires: mutex held.
  void step_up() {
    const Turn& turn = turns[next_turn];
    std::vector<Booth::Presentation> chips{presentation(turn.traveller)};
    if (turn.guardian) chips.push_back(presentation(*turn.guardian));
    if (console) {
      *console << name << ": " << introduce(turn.traveller);
      if (turn.guardian) *console << ", then guardian " << introduce(*turn.guardian);
      *console << '\n' << std::flush;
    }
    booth.step_up(std::move(chips));
  }
  Booth::Presentation presentation(int member) const {
    const ExternalTraveller& t = travellers[static_cast<std::size_t>(member)];
    const std::size_t person = scripted ? shown_person(t.number, roster.size(), t.impostor)
                                        : claimed_person(t.number, roster.size());
    return {devices::ChipRecord{t.facts, ""}, person, t.face_image};  // no text: no device-server forwards it
  }
  std::string introduce(int member) const {
    const ExternalTraveller& t = travellers[static_cast<std::size_t>(member)];
    // A trace's images say whose permit it is and what they show, for someone holding up photos.
    const std::string permit = t.enrolled_image.empty() ? holders.at(t.facts.id) + "'s permit"
                                                        : "the permit photo " + t.enrolled_image.filename().string();
    if (!t.face_image.empty()) return t.facts.id + " with " + permit + ", showing " + t.face_image.filename().string();
    return t.facts.id + " with " + permit + (t.impostor ? " (an impostor: someone else looks at the camera)" : "");
  }

  // On the lane's thread, after each transaction.
  void transaction_done(const gate::TransactionOutcome& o) {
    booth.transaction_over();
    std::function<void(ExternalOutcome)> done;
    ExternalOutcome outcome;
    {
      std::lock_guard lock(mutex);
      if (!party_done) return;
      record_evidence(o);
      if (o.decision == gate::Decision::referred) {
        outcome.cleared = false;
        for (const auto& r : o.reasons) outcome.reasons.push_back(r.name());
        outcome.member = turns[next_turn].traveller;
      } else if (++next_turn < turns.size()) {
        step_up();
        return;
      }
      outcome.evidence = std::move(evidence);
      done = std::move(party_done);
      party_done = nullptr;
    }
    done(std::move(outcome));
  }

  // The lane's evidence for the turn's traveller and guardian. requires: mutex held.
  void record_evidence(const gate::TransactionOutcome& o) {
    const Turn& turn = turns[next_turn];
    for (const auto& person : o.people) {
      const bool guardian = person.role == gate::Role::guardian;
      const std::optional<int> member = guardian ? turn.guardian : std::optional(turn.traveller);
      if (!member) continue;
      ExternalEvidence& e = evidence[static_cast<std::size_t>(*member)];
      e.frames = person.frames;
      e.distance = person.distance;
      for (const auto& t : o.timings) {
        if (t.role != person.role) continue;
        const double s = std::chrono::duration<double>(t.duration).count();
        if (t.step == gate::Step::read_document) e.document_s = s;
        else if (t.step == gate::Step::face) e.face_s = s;
        else if (t.step == gate::Step::fingerprint) e.fingerprint_s = s;
      }
    }
  }

  // Ends the lane now: no more travellers, and stop() for a transaction under way (its device
  // call, a camera stuck in a read, is abandoned, not waited for).
  std::size_t close() {
    booth.close();
    driver->stop();
    if (thread.joinable()) thread.join();
    if (failure) std::rethrow_exception(failure);
    return completed;
  }

  // ---- LaneServices: the real policy engine; the roster person's templates for P<n> ----
  gate::PolicyChecked check_policy(const gate::CheckPolicy& request) override { return policy->check_policy(request); }
  // A trace's enrolled_image is the permit's photo: its descriptor, from the analysis at
  // construction (enrol_trace_photos; a cache hit on the lane's service thread), never stored.
  std::vector<biometrics::FaceDescriptor> enrolled_faces(const std::string& holder_id) override {
    std::string holder;
    std::filesystem::path photo;
    {
      std::lock_guard lock(mutex);
      const auto it = holders.find(holder_id);
      if (it == holders.end()) return {};
      holder = it->second;
      const auto t = std::find_if(travellers.begin(), travellers.end(), [&](const auto& x) { return x.facts.id == holder_id; });
      if (t != travellers.end()) photo = t->enrolled_image;
    }
    if (photo.empty()) return store->templates(holder);
    return {faces->enrolled(photo)};
  }
  gate::IdentificationDone identify(const gate::Identify& query, const biometrics::FaceDescriptor& probe) override {
    return policy->identify(query, probe);
  }

  std::shared_ptr<LaneParts> parts = std::make_shared<LaneParts>();
  const Scenario& scenario;
  std::string name;
  std::ostream* console;
  bool scripted = false;
  std::optional<FaceImagesPipeline>& faces = parts->faces;
  std::unique_ptr<gate::EnrolmentStore> store;
  std::vector<std::string> roster;  // holder ids
  Booth& booth = parts->booth;
  gate::TravellerRecords& records = parts->records;
  std::unique_ptr<gate::PolicyServices> policy;
  std::unique_ptr<gate::AuditLog> audit;
  std::unique_ptr<gate::LaneDriver> driver;

  std::mutex mutex;  // the party under way and the lane's end
  std::vector<ExternalTraveller> travellers;
  std::map<std::string, std::string> holders;  // P<n> -> roster holder id
  std::vector<Turn> turns;
  std::size_t next_turn = 0;
  std::vector<ExternalEvidence> evidence;  // per member of the party
  std::function<void(ExternalOutcome)> party_done;
  bool stopped = false;
  std::exception_ptr failure;
  std::size_t completed = 0;
  std::thread thread;
};

LiveGate::LiveGate(const Scenario& scenario, const biometrics::ModelStore& models, LiveGateSetup setup)
    : impl_(std::make_unique<Impl>(scenario, models, std::move(setup))) {}

LiveGate::~LiveGate() {
  try {
    impl_->close();
  } catch (...) {  // reported by close() to whoever called it; a destructor has no one to tell
  }
}

void LiveGate::serve(std::uint64_t, const std::vector<ExternalTraveller>& travellers,
                     std::function<void(ExternalOutcome)> done) {
  impl_->serve(travellers, std::move(done));
}

std::size_t LiveGate::close() { return impl_->close(); }

}  // namespace gatesim::sim
