// The line (DESIGN §6) as one party acts on it: declaring objects with their
// notices and disclosures, dry runs and their probes, answers and messages.
#include <algorithm>
#include <set>

#include "deconflict/time.hpp"
#include "format/feature_writer.hpp"
#include "line/line.hpp"
#include "service/service_impl.hpp"

namespace deconflict {
namespace {

// The field a volume's size came from, for errors.
const char* size_field(const Volume& v) {
  return v.geometry.type == GeometryType::point ? "properties.radius_m" : "properties.buffer_m";
}

}  // namespace

Status Service::Impl::admissible(const Volume& v) const {
  const std::vector<std::string>& agreed_by = v.terms().agreed_by;
  if (names(agreed_by, v.party)) {
    return make_error(ErrorCode::invalid_input, "names the zone's own party, which binds itself",
                      "properties.agreed_by");
  }
  // Each party named is sent a proposal: one each, and only to parties of the
  // line (as a message is), so that a declaration's writes are bounded by them.
  std::set<std::string_view> named;
  for (const std::string& p : agreed_by) {
    if (!parties.active(p)) return make_error(ErrorCode::invalid_input, "no such party: " + p, "properties.agreed_by");
    if (!named.insert(p).second) {
      return make_error(ErrorCode::invalid_input, "names '" + p + "' twice", "properties.agreed_by");
    }
  }
  if (v.radius.value > options.max_radius_m) {
    return make_error(ErrorCode::invalid_input,
                      "at most " + std::to_string(static_cast<long long>(options.max_radius_m)) +
                          " m on this line; split a larger volume into several",
                      size_field(v));
  }
  return {};
}

// An activity is declared before it starts: a notice must reach the others
// while they can still act on it. One recorded after the fact says so
// (`after_the_fact: true`, kept on the record with the feature). A
// replacement that keeps a started activity's start changes it under way.
Status Service::Impl::timely(const Volume& v, const Volume* old) const {
  if (v.type != ObjectType::activity || v.window.start >= now()) return {};
  if (old && old->window.start == v.window.start) return {};
  if (const std::string& text = v.remarks().extra; !text.empty()) {
    const nlohmann::json extra = nlohmann::json::parse(text, nullptr, false);
    const auto flag = extra.is_object() ? extra.find("after_the_fact") : extra.end();
    if (flag != extra.end() && flag->is_boolean() && flag->get<bool>()) return {};
  }
  return make_error(ErrorCode::invalid_input,
                    "the activity starts at " + format_rfc3339(v.window.start) + ", before the line's time " +
                        format_rfc3339(now()) +
                        ": declare it before it starts, or record it after the fact with \"after_the_fact\": true",
                    "properties.start");
}

Result<Declared> PartyView::declare(PreparedVolume v) {
  Service::Impl& s = *service_->impl_;
  if (Status st = s.signed_act(caller_.id, std::string(type_name(v.type)) + ".create", ""); !st) return st.error();
  Service::Impl::WriteScope scope(s);
  if (!scope.status()) return scope.status().error();
  if (v.party != caller_.id) {
    return make_error(ErrorCode::forbidden, "a party may only declare its own objects", "properties.party");
  }
  if (Status st = s.admissible(v); !st) return st.error();
  if (Status st = s.timely(v, nullptr); !st) return st.error();
  if (v.id.empty()) {
    do v.id = s.fresh_id("o-");
    while (s.world.find(v.id));
  } else if (v.id.rfind(caller_.id + ".", 0) != 0) {
    // Ids a party names are in its own namespace, so that a taken id never
    // tells of another party's object (DESIGN §6.3).
    return make_error(ErrorCode::invalid_input,
                      "an id you name starts with your party's id and a dot ('" + caller_.id +
                          ".'), or leave it out for one the server names",
                      "id");
  }
  if (s.world.find(v.id)) return make_error(ErrorCode::already_exists, "an object with this id is stored", "id");
  if (s.world.count_of(caller_.id) >= s.options.max_objects_per_party) {
    return make_error(ErrorCode::limit_exceeded, "the party has reached its limit of " +
                                                     std::to_string(s.options.max_objects_per_party) + " objects");
  }
  if (Status st = s.within_positions(v, 0); !st) return st.error();
  v.version = 1;
  return s.commit_declared(std::move(v), ahead_, spent_);
}

Result<Declared> PartyView::replace(PreparedVolume v, int if_match) {
  Service::Impl& s = *service_->impl_;
  if (Status st = s.signed_act(caller_.id, std::string(type_name(v.type)) + ".replace", v.id); !st) return st.error();
  Service::Impl::WriteScope scope(s);
  if (!scope.status()) return scope.status().error();
  const engine::StoredVolume* old = s.world.find(v.id);
  if (!old || !s.visible(caller_.id, *old) || old->type != v.type) {
    return no_such("object", v.id);
  }
  if (old->party != caller_.id || v.party != caller_.id) {
    return make_error(ErrorCode::forbidden, "a party may only change its own objects", "properties.party");
  }
  if (Status st = s.admissible(v); !st) return st.error();
  if (!old->in_force()) {
    return make_error(ErrorCode::version_conflict,
                      "the " + std::string(type_name(old->type)) + " was " + std::string(state_name(old->state)), "id");
  }
  if (Status st = s.timely(v, old); !st) return st.error();
  if (old->version != if_match) {
    return make_error(ErrorCode::version_conflict,
                      "the object is at version " + std::to_string(old->version) + ", not " + std::to_string(if_match),
                      "If-Match");
  }
  if (Status st = s.within_positions(v, old->geometry.position_count()); !st) return st.error();
  if (s.unchanged(*old, v)) {
    // The same content again makes no new version and tells nobody anything new.
    Declared same;
    same.volume = old;
    if (old->type == ObjectType::activity) {
      auto current = conflicts(old->id);
      if (!current) return current.error();
      same.conflicts = std::move(*current);
    }
    return same;
  }
  v.version = old->version + 1;
  return s.commit_declared(std::move(v), ahead_, spent_);
}

Result<std::vector<std::string>> PartyView::withdraw(ObjectType type, const std::string& id) {
  Service::Impl& s = *service_->impl_;
  const char* end = type == ObjectType::activity ? ".withdraw" : ".retire";
  if (Status st = s.signed_act(caller_.id, std::string(type_name(type)) + end, id); !st) return st.error();
  Service::Impl::WriteScope scope(s);
  if (!scope.status()) return scope.status().error();
  const engine::StoredVolume* old = s.world.find(id);
  const std::string what(type_name(type));
  if (!old || !s.visible(caller_.id, *old) || old->type != type) {
    return no_such(what, id);
  }
  if (old->party != caller_.id)
    return make_error(ErrorCode::forbidden, "a party may only end its own " + what + "s", "id");
  if (!old->in_force())
    return make_error(ErrorCode::version_conflict,
                      "the " + what + " was already " + std::string(state_name(old->state)), "id");
  // An activity is withdrawn; a zone or a site is retired. Either way it
  // conflicts with nothing from now on, and everyone it concerned is told.
  const bool activity = type == ObjectType::activity;
  PreparedVolume withdrawn = *old;
  withdrawn.state = activity ? State::withdrawn : State::retired;
  std::set<std::string> told;
  for (const Notice* n : s.notices.of_activity(id)) {
    told.insert(n->to_party);    // notified of the activity (or of the site declared over theirs)
    told.insert(n->from_party);  // or the owner of a site declared over it, who was shown it
  }
  told.insert(old->terms().agreed_by.begin(), old->terms().agreed_by.end());  // a zone's: those it was to bind
  // And the parties of what it is in conflict with now: those whose convoy
  // met the activity were shown it, and hear that the danger is gone.
  auto met = activity ? s.checked(*old, spent_, ahead_) : s.met(*old, s.now(), spent_, ahead_);
  if (!met) return met.error();
  for (const Conflict& c : *met) told.insert(c.other_party);
  told.erase(caller_.id);
  // Only those who may see it hear its id: a party whose strike met a site
  // not shared with it was told of "a protected site", never which.
  std::erase_if(told, [&](const std::string& party) { return !s.visible(party, *old); });
  store::WriteBatch batch;
  batch.upserts.push_back(Service::Impl::row_of(withdrawn, s.now()));
  std::string audience = caller_.id;
  for (const std::string& party : told) audience += " " + party;
  const nlohmann::json said = {{what, id},
                               {"version", withdrawn.version}};  // {"activity" | "zone" | "site", "version"}
  s.note(batch, caller_.id, what + (activity ? ".withdraw" : ".retire"), said, id, audience);
  s.close_notices(batch, id, NoticeState::withdrawn);
  nlohmann::json event = said;
  event["party"] = caller_.id;
  for (const std::string& party : told)
    batch.events.push_back(s.event(party, activity ? "withdrawn" : "retired", event));
  if (Status st = s.commit(batch); !st) return st.error();
  for (const Notice& n : batch.notices) s.keep(n);
  s.world.put(std::move(withdrawn));
  return std::vector<std::string>(told.begin(), told.end());
}

bool Service::active(const std::string& party) const { return impl_->parties.active(party); }

Result<const Volume*> PartyView::answer_zone(const std::string& zone_id, bool accept, const std::string& text) {
  Service::Impl& s = *service_->impl_;
  if (Status st = s.signed_act(caller_.id, accept ? "zone.accept" : "zone.decline", zone_id); !st) return st.error();
  Service::Impl::WriteScope scope(s);
  if (!scope.status()) return scope.status().error();
  const engine::StoredVolume* old = s.world.find(zone_id);
  if (!old || old->type != ObjectType::zone || !s.visible(caller_.id, *old)) {
    return no_such("zone", zone_id);
  }
  const Terms& terms = old->terms();
  if (!names(terms.agreed_by, caller_.id)) {
    return make_error(ErrorCode::forbidden, "the zone does not ask this party to agree to it", "id");
  }
  if (names(terms.accepted, caller_.id) || names(terms.declined, caller_.id)) {
    return make_error(ErrorCode::version_conflict, "this party has answered already", "id");
  }
  if (text.size() > 10'000) return make_error(ErrorCode::invalid_input, "a text is at most 10,000 bytes", "text");
  PreparedVolume zone = *old;
  (accept ? zone.edit_terms().accepted : zone.edit_terms().declined).push_back(caller_.id);
  zone.state = zone.agreement();
  store::WriteBatch batch;
  const TimePoint at = s.now();
  batch.upserts.push_back(Service::Impl::row_of(zone, at));
  nlohmann::ordered_json data = {{"zone", zone.id}, {"version", zone.version}, {"state", state_name(zone.state)}};
  if (!text.empty()) data["text"] = text;
  // For the zone's party and the answering one: its reason (and its signed
  // request, body and all) is not the other asked parties' to read; who
  // answered how they see in the zone's accepted and declined lists.
  s.note(batch, caller_.id, accept ? "zone.accept" : "zone.decline", data, zone.id, zone.party + " " + caller_.id);
  // The proposal in the caller's inbox is answered by it.
  for (const Notice* asked : s.notices.of_version(zone.id, zone.version)) {
    if (asked->to_party != caller_.id || (asked->state != NoticeState::pending && asked->state != NoticeState::overdue))
      continue;
    Notice n = *asked;
    n.state = accept ? NoticeState::accepted : NoticeState::declined;
    n.answered = at;
    n.text = text;
    if (!n.delivered) {  // answered before it was read or pushed: it reached its party now
      n.delivered = at;
      n.delivered_via = Delivery::answer;
    }
    s.note_notice(batch, "deconflict", n, accept ? "accept" : "decline");
    batch.notices.push_back(std::move(n));
  }
  nlohmann::ordered_json told = data;
  told["by"] = caller_.id;
  batch.events.push_back(s.event(zone.party, accept ? "zone-accepted" : "zone-declined", told));
  // The zone binds the party from now on: its activities already in the zone
  // enter it, and the zone's party is notified of each (DESIGN §6.1-§6.2).
  std::vector<PreparedVolume> renotified;
  if (accept) {
    auto met = s.met(zone, at, spent_, ahead_);  // the acceptor's request, the acceptor's cost
    if (!met) return met.error();
    std::erase_if(*met, [&](const Conflict& c) { return c.other_party != caller_.id; });
    const std::vector<Notice> entering = s.notices_about(zone, *met, at, /*to_owner=*/true);
    for (const Notice& n : entering) {
      s.note_notice(batch, caller_.id, n, "send");
      batch.events.push_back(s.event(n.to_party, "notice", format::to_json(n)));
    }
    renotified = s.restate(batch, entering, at);
    batch.notices.insert(batch.notices.end(), entering.begin(), entering.end());
  }
  if (Status st = s.commit(batch); !st) return st.error();
  for (const Notice& n : batch.notices) s.keep(n);
  for (PreparedVolume& a : renotified) s.world.put(std::move(a));
  return &s.world.put(std::move(zone));
}

Result<std::vector<Notice>> Service::advance() {
  Impl& s = *impl_;
  const TimePoint now = s.now();
  if (!s.notices.any_due(now)) return std::vector<Notice>{};  // asked on every request: no lock unless needed
  Impl::WriteScope scope(s);
  if (!scope.status()) return scope.status().error();
  store::WriteBatch batch;
  // Only the pending notices whose deadline has passed, soonest first (asked
  // again: taking the lock may have brought in others' answers).
  for (const Notice* due : s.notices.due(now)) {
    const Notice& n = *due;
    const engine::StoredVolume* activity = s.world.find(n.activity_id);
    if (!activity || activity->version != n.activity_version || activity->state == State::withdrawn) continue;
    Notice overdue = n;
    overdue.state = NoticeState::overdue;
    // An escalation: both sides are told.
    for (const std::string* party : {&n.from_party, &n.to_party}) {
      batch.events.push_back(s.event(*party, "overdue", format::to_json(overdue)));
    }
    s.note_notice(batch, "deconflict", overdue, "overdue");  // the server escalates
    batch.notices.push_back(std::move(overdue));
  }
  if (batch.notices.empty()) return batch.notices;
  if (Status st = s.commit(batch); !st) return st.error();
  for (const Notice& n : batch.notices) s.keep(n);
  return batch.notices;
}

Result<Declared> Service::Impl::commit_declared(PreparedVolume v, const Precheck* ahead, uint64_t& spent,
                                                Declaration how) {
  const TimePoint at = now();
  if (v.type == ObjectType::zone) {
    // A new zone, or a changed one, is agreed afresh: agreeing to one shape is
    // not agreeing to another. (An import brings the answers it was given.)
    if (!how.imported) {
      v.edit_terms().accepted.clear();
      v.edit_terms().declined.clear();
    }
    v.state = v.agreement();
  }
  Declared out;
  store::WriteBatch batch;
  std::vector<std::string> shown;          // others' activities this declaration discloses to its party
  std::vector<PreparedVolume> renotified;  // activities whose state the notices change
  if (v.type == ObjectType::activity && !how.checked) {
    if (!v.notified) v.notified = at;
    v.state = State::clear;  // no notice of its version
  } else if (v.type == ObjectType::activity) {
    if (!how.imported || !v.notified) v.notified = at;  // the server's clock, not the client's
    auto conflicts = checked(v, {*v.notified}, spent, ahead);
    if (!conflicts) return conflicts.error();
    out.conflicts = std::move(*conflicts);
    shown = stage_disclosures(batch, v, out.conflicts);
    line::NoticeContext context{at, options.default_notice, [&](const std::string& id) { return world.find(id); },
                                [&] { return fresh_id("n-"); }};
    out.notices = line::notices_for(v, out.conflicts, context);
    // A revoked party is told nothing more.
    std::erase_if(out.notices, [&](const Notice& n) { return parties.revoked(n.to_party); });
    std::vector<const Notice*> sent;
    for (const Notice& n : out.notices) sent.push_back(&n);
    v.state = line::activity_state(sent);
  } else if (v.type == ObjectType::zone && how.checked) {
    out.notices = proposals(v, at);  // those it is to bind are asked, in their inboxes
  } else if (v.type == ObjectType::site && how.checked) {
    // A site declared where activities are under way or planned: each such
    // activity's party is told, and the site's party is shown the activity.
    auto met_now = met(v, at, spent, ahead);
    if (!met_now) return met_now.error();
    out.conflicts = std::move(*met_now);
    shown = stage_disclosures(batch, v, out.conflicts);
    out.notices = notices_about(v, out.conflicts, at);
    renotified = restate(batch, out.notices, at);
  }
  if (!out.notices.empty()) {
    batch.notices = out.notices;
    for (const Notice& n : out.notices) batch.events.push_back(event(n.to_party, "notice", format::to_json(n)));
  }
  if (v.version > 1) close_notices(batch, v.id, NoticeState::superseded);  // the older versions' open notices
  const char* change = how.imported ? "import" : v.version == 1 ? "create" : "replace";
  stage_object(batch, v.party, v, change, at, !how.checked);
  for (const Notice& n : out.notices) note_notice(batch, v.party, n, "send");
  // What stays hidden from the declarer (sites not shared with it) is
  // reported redacted, and each such report is a probe its owner hears of.
  const std::vector<Conflict> hidden = disclosures.redact(v.party, out.conflicts, finder(), Report::stored, shown);
  if (!how.imported) stage_probes(batch, v.party, hidden, v.id);
  if (Status st = commit(batch); !st) return st.error();
  for (const Notice& n : batch.notices) keep(n);
  for (const std::string& id : shown) disclosures.disclose(v.party, id);
  for (PreparedVolume& a : renotified) world.put(std::move(a));
  out.volume = &world.put(std::move(v));
  return out;
}

std::vector<Notice> Service::Impl::notices_about(const Volume& object, const std::vector<Conflict>& met, TimePoint at,
                                                 bool to_owner) {
  std::vector<Notice> out;
  for (const Conflict& c : met) {
    const engine::StoredVolume* activity = world.find(c.other_id);
    if (!activity || parties.revoked(activity->party)) continue;
    if (!out.empty() && out.back().activity_id == activity->id) continue;  // one notice per activity
    Notice n;
    n.id = fresh_id("n-");
    n.activity_id = activity->id;
    n.activity_version = activity->version;
    n.from_party = to_owner ? activity->party : object.party;
    n.to_party = to_owner ? object.party : activity->party;
    n.created = at;
    // Due within the default, and never after the activity starts (at once if it is under way).
    n.deadline = std::max(at, std::min(at + options.default_notice, activity->window.start));
    out.push_back(std::move(n));
  }
  return out;
}

std::vector<Notice> Service::Impl::proposals(const Volume& zone, TimePoint at) {
  std::vector<Notice> out;
  const Terms& terms = zone.terms();
  for (const std::string& party : terms.agreed_by) {
    // An import's answers stand; a party not of this line (an import's) is asked nothing.
    if (names(terms.accepted, party) || names(terms.declined, party) || !parties.active(party)) continue;
    Notice n;
    n.id = fresh_id("n-");
    n.about = NoticeAbout::zone;
    n.activity_id = zone.id;
    n.activity_version = zone.version;
    n.from_party = zone.party;
    n.to_party = party;
    n.created = at;
    n.deadline = at + options.default_notice;  // a zone may be in force already: its start is no deadline
    out.push_back(std::move(n));
  }
  return out;
}

bool Service::Impl::unchanged(const Volume& old, const Volume& v) {
  Volume again = v;  // with what the server keeps, as the stored one has it
  again.version = old.version;
  again.state = old.state;
  again.notified = old.notified;
  if (v.type == ObjectType::zone) {  // a zone's answers (the feature writes them for zones only)
    again.edit_terms().accepted = old.terms().accepted;
    again.edit_terms().declined = old.terms().declined;
  }
  return format::to_feature(again) == format::to_feature(old);
}

void Service::Impl::close_notices(store::WriteBatch& batch, const std::string& activity_id, NoticeState closed) {
  for (const Notice* open : notices.of_activity(activity_id)) {
    if (open->state != NoticeState::pending && open->state != NoticeState::overdue) continue;
    Notice done = *open;
    done.state = closed;
    note_notice(batch, "deconflict", done, closed == NoticeState::superseded ? "supersede" : "withdraw");
    batch.notices.push_back(std::move(done));
  }
}

std::optional<PreparedVolume> Service::Impl::restated(store::WriteBatch& batch, const PreparedVolume& activity,
                                                      const std::vector<const Notice*>& current, TimePoint at) {
  const State state = line::activity_state(current);
  if (state == activity.state) return std::nullopt;
  PreparedVolume changed = activity;
  changed.state = state;
  batch.upserts.push_back(row_of(changed, at));
  return changed;
}

std::vector<PreparedVolume> Service::Impl::restate(store::WriteBatch& batch, const std::vector<Notice>& sent,
                                                   TimePoint at) {
  std::vector<PreparedVolume> changed;
  for (const Notice& n : sent) {
    const engine::StoredVolume* activity = world.find(n.activity_id);
    if (!activity) continue;
    std::vector<const Notice*> current = notices.of_version(activity->id, activity->version);
    current.push_back(&n);
    if (auto a = restated(batch, *activity, current, at)) changed.push_back(std::move(*a));
  }
  return changed;
}

std::vector<std::string> Service::Impl::stage_disclosures(store::WriteBatch& batch, const Volume& activity,
                                                          const std::vector<Conflict>& conflicts) {
  std::vector<std::string> shown;
  for (const Conflict& c : conflicts) {
    const engine::StoredVolume* other = world.find(c.other_id);
    if (!other || other->type != ObjectType::activity || visible(activity.party, *other)) continue;
    if (std::find(shown.begin(), shown.end(), other->id) != shown.end()) continue;
    // Disclosure is mutual (DESIGN §6.3): the other party is notified of this
    // activity, and this party is shown the other's, in the same commit.
    shown.push_back(other->id);
    note(batch, "deconflict", "disclose", {{"to", activity.party}, {"object", other->id}, {"because", activity.id}},
         "disclosure", activity.party + " " + other->party);
  }
  return shown;
}

void Service::Impl::stage_probes(store::WriteBatch& batch, const std::string& prober,
                                 const std::vector<Conflict>& hidden, const std::string& activity_id) {
  std::map<std::string, std::pair<std::set<std::string>, std::set<std::string>>> by_owner;  // volumes, rules
  for (const Conflict& c : hidden) {
    auto& [volumes, rules] = by_owner[c.other_party];
    volumes.insert(c.other_id);
    rules.insert(std::string(rule_name(c.rule)));
  }
  for (const auto& [owner, found] : by_owner) {
    nlohmann::ordered_json data = {{"by", prober}, {"volumes", found.first}, {"rules", found.second}};
    if (!activity_id.empty()) data["activity"] = activity_id;
    // Readable by the owner alone: the prober knows what it asked, and no
    // owner learns of another's hidden volumes.
    note(batch, prober, "probe", data, "probe", owner);
    batch.events.push_back(event(owner, "probe", data));
  }
}

Result<std::vector<Conflict>> PartyView::check(const PreparedVolume& activity) {
  Service::Impl& s = *service_->impl_;
  Service::Impl::WriteScope scope(s);
  if (!scope.status()) return scope.status().error();
  if (activity.party != caller_.id) {
    return make_error(ErrorCode::forbidden, "a party checks only its own activities", "properties.party");
  }
  if (Status st = s.admissible(activity); !st) return st.error();
  const TimePoint at = s.now();
  // Every dry run may tell one bit of what is hidden (a conflict, or none), so
  // every one counts. Beyond the day's count each is refused before it is
  // made: the refusal tells nothing, costs nothing, and floods no owner's
  // inbox (each owner heard of every probe that was answered).
  if (s.probes.in_day(caller_.id, at) >= s.options.max_probes_per_day) {
    return make_error(ErrorCode::probe_limit, "this party made its " + std::to_string(s.options.max_probes_per_day) +
                                                  " dry runs of the last 24 hours; declare instead, or wait");
  }
  // A check over its budget is refused, but it counts and is recorded like
  // any other: whether one is over may depend on what is hidden.
  auto checked = s.checked(activity, spent_, ahead_);
  std::vector<Conflict> hidden;
  if (checked) hidden = s.disclosures.redact(caller_.id, *checked, s.finder(), Report::dry_run);
  store::WriteBatch batch;
  s.note(batch, caller_.id, "check", {{"by", caller_.id}}, "check", caller_.id);
  s.stage_probes(batch, caller_.id, hidden, "");
  if (Status st = s.commit(batch); !st) return st.error();
  s.probes.add(caller_.id, at);
  return checked;
}

Result<std::vector<Conflict>> PartyView::conflicts(const std::string& activity_id) const {
  return conflicts_within(activity_id, 0);
}

Result<std::vector<Conflict>> PartyView::conflicts_within(const std::string& activity_id, uint64_t budget) const {
  const Service::Impl& s = *service_->impl_;
  const engine::StoredVolume* v = s.world.find(activity_id);
  if (!v || v->type != ObjectType::activity || !s.visible(caller_.id, *v)) {
    return no_such("activity", activity_id);
  }
  auto checked = s.checked(*v, spent_, ahead_, budget);
  if (!checked) return checked.error();
  std::vector<Conflict>& all = *checked;
  if (v->party == caller_.id) {
    s.disclosures.redact(caller_.id, all, s.finder(), Report::stored);
    return all;
  }
  std::erase_if(all, [&](const Conflict& c) {
    const engine::StoredVolume* other = s.world.find(c.other_id);
    return !other || !s.visible(caller_.id, *other);
  });
  return all;
}

Status Service::Impl::deliver(const std::string& party, const std::vector<std::string>& notice_ids, Delivery via) {
  const auto undelivered = [&](const std::string& id) {
    const Notice* n = notices.find(id);
    return n && n->to_party == party && !n->delivered;
  };
  if (std::none_of(notice_ids.begin(), notice_ids.end(), undelivered)) return {};  // most reads: nothing new
  WriteScope scope(*this);
  if (!scope.status()) return scope.status();
  store::WriteBatch batch;
  const TimePoint at = now();
  for (const std::string& id : notice_ids) {
    if (!undelivered(id)) continue;  // asked again: the lock may have brought in another node's receipt
    Notice n = *notices.find(id);
    n.delivered = at;
    n.delivered_via = via;
    batch.events.push_back(event(n.from_party, "delivered", format::to_json(n)));
    note_notice(batch, "deconflict", n, "deliver");  // the server saw it go out
    batch.notices.push_back(std::move(n));
  }
  if (batch.notices.empty()) return {};
  if (Status st = commit(batch); !st) return st;
  for (const Notice& n : batch.notices) keep(n);
  return {};
}

Status Service::delivered(const std::string& party, const std::vector<std::string>& notice_ids, Delivery via) {
  return impl_->deliver(party, notice_ids, via);
}

Result<NoticePage> PartyView::inbox(std::optional<NoticeState> state, const std::string& after, size_t limit) {
  const Service::Impl& s = *service_->impl_;
  const std::vector<Notice> all = notices(state);  // oldest first: by (created, id)
  auto first = all.begin();
  if (!after.empty()) {
    const Notice* cursor = s.notices.find(after);
    if (!cursor || (cursor->from_party != caller_.id && cursor->to_party != caller_.id)) {
      return make_error(ErrorCode::usage, "not the id of one of your notices", "after");
    }
    first = std::upper_bound(all.begin(), all.end(), *cursor, [](const Notice& c, const Notice& n) {
      return c.created != n.created ? c.created < n.created : c.id < n.id;
    });
  }
  limit = std::clamp<size_t>(limit, 1, PageLimits::kMaxItems);
  const auto last =
      all.end() - first > static_cast<std::ptrdiff_t>(limit) ? first + static_cast<std::ptrdiff_t>(limit) : all.end();
  std::vector<std::string> ids;
  for (auto it = first; it != last; ++it) ids.push_back(it->id);
  if (Status st = service_->impl_->deliver(caller_.id, ids, Delivery::inbox); !st) return st.error();
  NoticePage page;
  for (const std::string& id : ids) page.notices.push_back(*s.notices.find(id));  // as delivered now
  if (last != all.end()) page.next = ids.back();
  return page;
}

ConflictPage PartyView::conflict_page(const std::string& after, size_t limit) const {
  const Service::Impl& s = *service_->impl_;
  ListFilter activities;
  activities.type = ObjectType::activity;
  const std::vector<const Volume*> all = list(activities);
  auto it = std::upper_bound(all.begin(), all.end(), after,
                             [](const std::string& id, const Volume* v) { return id < v->id; });
  limit = std::clamp<size_t>(limit, 1, PageLimits::kMaxItems);
  const uint64_t budget = s.options.max_page_work, spent_before = work_spent();
  ConflictPage page;
  for (; it != all.end(); ++it) {
    if (!(*it)->in_force()) continue;
    const uint64_t spent = work_spent() - spent_before;
    if (page.items.size() == limit || spent >= budget) {
      page.next = page.items.back().activity_id;
      break;
    }
    // What is left of the page's budget, or all of it for the page's first
    // activity: one that alone costs more is too_complex here, and answered
    // by its own /conflicts, which is measured off the line thread.
    auto found = conflicts_within((*it)->id, page.items.empty() ? budget : budget - spent);
    if (!found && found.error().code == ErrorCode::too_complex && !page.items.empty()) {
      page.next = page.items.back().activity_id;  // the next page starts with it, budget whole
      break;
    }
    ConflictPage::Item& item = page.items.emplace_back();
    item.activity_id = (*it)->id;
    if (found) {
      item.conflicts = std::move(*found);
    } else {
      item.error = found.error();
    }
  }
  return page;
}

std::vector<Notice> PartyView::notices(std::optional<NoticeState> state) const {
  std::vector<Notice> out;
  for (const Notice* n : service_->impl_->notices.of_party(caller_.id)) {
    if (!state || n->state == *state) out.push_back(*n);
  }
  std::sort(out.begin(), out.end(), [](const Notice& a, const Notice& b) {
    return a.created != b.created ? a.created < b.created : a.id < b.id;
  });
  return out;
}

Result<Notice> PartyView::answer(const std::string& notice_id, NoticeState answer, const std::string& text) {
  Service::Impl& s = *service_->impl_;
  const char* act = answer == NoticeState::objected ? "notice.object" : "notice.acknowledge";
  if (Status st = s.signed_act(caller_.id, act, notice_id); !st) return st.error();
  Service::Impl::WriteScope scope(s);
  if (!scope.status()) return scope.status().error();
  const Party& caller = caller_;
  const Notice* found = s.notices.find(notice_id);
  if (!found || (found->to_party != caller.id && found->from_party != caller.id)) {
    return no_such("notice", notice_id);
  }
  Notice n = *found;
  if (n.to_party != caller.id) return make_error(ErrorCode::forbidden, "only the notified party may answer", "id");
  if (n.about == NoticeAbout::zone) {
    return make_error(ErrorCode::invalid_input,
                      "a zone's proposal is answered by accepting or declining the zone (POST /v1/zones/" +
                          n.activity_id + "/accept or /decline)",
                      "id");
  }
  if (answer != NoticeState::acknowledged && answer != NoticeState::objected) {
    return make_error(ErrorCode::usage, "a notice is answered by acknowledging or objecting");
  }
  if (n.state == NoticeState::acknowledged || n.state == NoticeState::objected) {
    return make_error(ErrorCode::version_conflict, "the notice was already " + std::string(state_name(n.state)), "id");
  }
  if (n.state == NoticeState::superseded || n.state == NoticeState::withdrawn) {
    return make_error(ErrorCode::version_conflict,
                      "the notice is " + std::string(state_name(n.state)) +
                          (n.state == NoticeState::superseded ? ": answer the notice of the activity's current version"
                                                              : ": the activity was withdrawn"),
                      "id");
  }
  if (answer == NoticeState::objected && text.empty()) {
    return make_error(ErrorCode::invalid_input, "an objection needs a text", "text");
  }
  n.state = answer;
  n.answered = s.now();
  n.text = text;

  store::WriteBatch batch;
  batch.notices.push_back(n);
  // The activity's state follows its notices; a notice about an older version
  // changes only its own record.
  const engine::StoredVolume* activity = s.world.find(n.activity_id);
  std::optional<PreparedVolume> changed;  // the activity with its new state, if it changes
  if (activity && activity->version == n.activity_version) {
    std::vector<const Notice*> current = s.notices.of_version(activity->id, activity->version);
    for (const Notice*& p : current) {
      if (p->id == n.id) p = &n;
    }
    changed = s.restated(batch, *activity, current, *n.answered);
  }
  batch.events.push_back(s.event(n.from_party, state_name(n.state).data(), format::to_json(n)));
  s.note_notice(batch, caller.id, n, answer == NoticeState::acknowledged ? "acknowledge" : "object");
  if (Status st = s.commit(batch); !st) return st.error();
  s.keep(n);
  if (changed) s.world.put(std::move(*changed));
  return n;
}

Result<Message> PartyView::send_message(const std::string& to, const std::string& text, const std::string& about) {
  Service::Impl& s = *service_->impl_;
  if (Status st = s.signed_act(caller_.id, "message", ""); !st) return st.error();
  Service::Impl::WriteScope scope(s);
  if (!scope.status()) return scope.status().error();
  const Party& caller = caller_;
  if (!s.parties.active(to)) {
    return make_error(ErrorCode::invalid_input, "no such party", "to");
  }
  if (to == caller.id) return make_error(ErrorCode::invalid_input, "a message goes to another party", "to");
  if (text.empty() || text.size() > 10'000)
    return make_error(ErrorCode::invalid_input, "1 to 10,000 characters", "text");
  if (!about.empty()) {
    const engine::StoredVolume* v = s.world.find(about);
    if (!v || !s.visible(caller.id, *v)) return make_error(ErrorCode::not_found, "no such object", "about");
  }
  Message m{s.fresh_id("m-"), caller.id, to, text, about, s.now()};
  store::WriteBatch batch;
  batch.messages.push_back(m);
  batch.events.push_back(s.event(to, "message", format::to_json(m)));
  s.note(batch, caller.id, "message", {{"message", format::to_json(m)}}, m.id, caller.id + " " + to);
  if (Status st = s.commit(batch); !st) return st.error();
  s.keep_message(m);
  return m;
}

Result<MessagePage> PartyView::message_page(const std::string& after, size_t limit) const {
  const Service::Impl& s = *service_->impl_;
  static const std::vector<size_t> kNone;
  const auto mine = s.messages_of.find(caller_.id);
  const std::vector<size_t>& own = mine == s.messages_of.end() ? kNone : mine->second;
  auto first = own.begin();
  if (!after.empty()) {
    first = std::find_if(own.begin(), own.end(), [&](size_t i) { return s.messages[i].id == after; });
    if (first == own.end()) return make_error(ErrorCode::usage, "not the id of one of your messages", "after");
    ++first;
  }
  limit = std::clamp<size_t>(limit, 1, PageLimits::kMaxItems);
  MessagePage page;
  size_t bytes = 0;  // a message is up to 10,000 characters: pages are bounded by their text too
  for (auto it = first; it != own.end() && page.messages.size() < limit && bytes < PageLimits::kMaxBytes; ++it) {
    page.messages.push_back(s.messages[*it]);
    bytes += page.messages.back().text.size() + page.messages.back().about.size() + 128;
  }
  if (first + static_cast<std::ptrdiff_t>(page.messages.size()) != own.end()) page.next = page.messages.back().id;
  return page;
}

Result<std::vector<Event>> PartyView::events(std::string_view after, size_t limit) const {
  const Service::Impl& s = *service_->impl_;
  int64_t seq = 0;
  if (after == "now") return std::vector<Event>{};
  if (!after.empty()) {
    auto opened = s.record.open_event(after, caller_.id);
    if (!opened) {
      return make_error(ErrorCode::usage,
                        "not an id of one of your events (or the record's key was rotated since): "
                        "reconnect without it",
                        "Last-Event-ID");
    }
    seq = *opened;
  }
  auto events = s.store->load_events(caller_.id, seq, limit);
  if (!events) return events.error();
  s.name_events(*events);
  return events;
}

void Service::on_events(std::function<void(const std::vector<Event>&)> listener) {
  impl_->outbox.listen(std::move(listener));
}

void Service::on_touched(std::function<void(const std::vector<std::string>&)> listener) {
  impl_->outbox.listen_touched(std::move(listener));
}

}  // namespace deconflict
