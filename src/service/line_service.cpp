// The line (DESIGN §6) on the Service facade: declaring objects with their
// notices, seeing, and answering.
#include <algorithm>
#include <set>

#include "format/feature_writer.hpp"
#include "line/line.hpp"
#include "service/service_impl.hpp"

namespace deconflict {

Result<Declared> Service::declare(const Party& caller, Volume v) {
  Impl::WriteScope scope(*impl_);
  if (!scope.status()) return scope.status().error();
  if (v.party != caller.id) {
    return make_error(ErrorCode::forbidden, "a party may only declare its own objects", "properties.party");
  }
  Impl& s = *impl_;
  if (v.id.empty()) {
    do v.id = s.fresh_id("o-");
    while (s.world.find(v.id));
  }
  if (s.world.find(v.id)) return make_error(ErrorCode::already_exists, "an object with this id is stored", "id");
  if (s.world.count_of(caller.id) >= s.options.max_objects_per_party) {
    return make_error(ErrorCode::limit_exceeded, "the party has reached its limit of " +
                                                     std::to_string(s.options.max_objects_per_party) + " objects");
  }
  v.version = 1;
  return commit_declared(std::move(v));
}

Result<Declared> Service::replace(const Party& caller, Volume v, int if_match) {
  Impl::WriteScope scope(*impl_);
  if (!scope.status()) return scope.status().error();
  Impl& s = *impl_;
  const Volume* old = s.world.find(v.id);
  if (!old || !visible(caller, *old) || old->type != v.type) return make_error(ErrorCode::not_found, "no such object", "id");
  if (old->party != caller.id || v.party != caller.id) {
    return make_error(ErrorCode::forbidden, "a party may only change its own objects", "properties.party");
  }
  if (old->state == "withdrawn") return make_error(ErrorCode::version_conflict, "the activity was withdrawn", "id");
  if (old->version != if_match) {
    return make_error(ErrorCode::version_conflict,
                      "the object is at version " + std::to_string(old->version) + ", not " + std::to_string(if_match),
                      "If-Match");
  }
  v.version = old->version + 1;
  return commit_declared(std::move(v));
}

Result<std::vector<std::string>> Service::withdraw(const Party& caller, const std::string& activity_id) {
  Impl::WriteScope scope(*impl_);
  if (!scope.status()) return scope.status().error();
  Impl& s = *impl_;
  const Volume* old = s.world.find(activity_id);
  if (!old || !visible(caller, *old) || old->type != ObjectType::activity) {
    return make_error(ErrorCode::not_found, "no such activity", "id");
  }
  if (old->party != caller.id) return make_error(ErrorCode::forbidden, "a party may only withdraw its own activities", "id");
  if (old->state == "withdrawn") return make_error(ErrorCode::version_conflict, "the activity was already withdrawn", "id");
  Volume withdrawn = old->clone();
  withdrawn.state = "withdrawn";
  std::set<std::string> told;
  for (const auto& [id, n] : s.notices) {
    if (n.activity_id == activity_id) told.insert(n.to_party);
  }
  store::WriteBatch batch;
  batch.upserts.push_back(Impl::row_of(withdrawn, s.now()));
  std::string audience = caller.id;
  for (const std::string& party : told) audience += " " + party;
  s.note(batch, caller.id, "activity.withdraw", {{"activity", activity_id}, {"version", withdrawn.version}}, activity_id,
         audience);
  for (const std::string& party : told) {
    batch.events.push_back(s.event(party, "withdrawn",
                                   {{"activity", activity_id}, {"version", withdrawn.version}, {"party", caller.id}}));
  }
  if (Status st = s.commit(batch); !st) return st.error();
  s.world.put(std::move(withdrawn));
  return std::vector<std::string>(told.begin(), told.end());
}

Result<std::vector<Notice>> Service::advance() {
  Impl& s = *impl_;
  const TimePoint now = s.now();
  const auto nothing_due = [&] { return s.pending_by_deadline.empty() || s.pending_by_deadline.begin()->first > now; };
  if (nothing_due()) return std::vector<Notice>{};  // asked on every request: no lock unless needed
  Impl::WriteScope scope(s);
  if (!scope.status()) return scope.status().error();
  store::WriteBatch batch;
  // Only the pending notices whose deadline has passed, soonest first.
  for (const auto& [deadline, id] : s.pending_by_deadline) {
    if (deadline > now) break;
    const Notice& n = s.notices.at(id);
    const Volume* activity = s.world.find(n.activity_id);
    if (!activity || activity->version != n.activity_version || activity->state == "withdrawn") continue;
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

Result<Declared> Service::commit_declared(Volume v) {
  Impl& s = *impl_;
  const TimePoint now = s.now();
  Declared out;
  store::WriteBatch batch;
  if (v.type == ObjectType::activity) {
    v.notified = now;  // the server's clock, not the client's
    out.conflicts = s.world.check(v, {now});
    line::NoticeContext context{now, s.options.default_notice,
                                [&](const std::string& id) { return s.world.find(id); },
                                [&] { return s.fresh_id("n-"); }};
    out.notices = line::notices_for(v, out.conflicts, context);
    std::vector<const Notice*> sent;
    for (const Notice& n : out.notices) sent.push_back(&n);
    v.state = line::activity_state(sent);
    batch.notices = out.notices;
    for (const Notice& n : out.notices) batch.events.push_back(s.event(n.to_party, "notice", format::to_json(n)));
  }
  s.stage_object(batch, v.party, v, v.version == 1 ? "create" : "replace", now);
  for (const Notice& n : out.notices) s.note_notice(batch, v.party, n, "send");
  if (Status st = s.commit(batch); !st) return st.error();
  for (const Notice& n : out.notices) s.keep(n);
  out.volume = &s.world.put(std::move(v));
  return out;
}

bool Service::visible(const Party& caller, const Volume& v) const {
  if (v.party == caller.id || v.type == ObjectType::zone) return true;
  if (v.type == ObjectType::site) {
    return v.share.empty() || std::find(v.share.begin(), v.share.end(), caller.id) != v.share.end();
  }
  return impl_->notified_of(caller.id, v.id);
}

Result<std::vector<Conflict>> Service::conflicts(const Party& caller, const std::string& activity_id) const {
  const Volume* v = impl_->world.find(activity_id);
  if (!v || v->type != ObjectType::activity || !visible(caller, *v)) {
    return make_error(ErrorCode::not_found, "no such activity", "id");
  }
  auto all = conflicts(activity_id);
  if (!all) return all.error();
  if (v->party == caller.id) return as_seen_by(caller, std::move(*all));
  std::erase_if(*all, [&](const Conflict& c) {
    const Volume* other = impl_->world.find(c.other_id);
    return !other || !visible(caller, *other);
  });
  return all;
}

std::vector<Conflict> Service::as_seen_by(const Party& caller, std::vector<Conflict> conflicts) const {
  for (Conflict& c : conflicts) {
    const Volume* other = impl_->world.find(c.other_id);
    if (!other || other->type != ObjectType::site || visible(caller, *other)) continue;
    c.redacted = true;
    c.other_id.clear();
    c.distance = Metres(0);
    c.limit = Metres(0);
  }
  return conflicts;
}

std::vector<Notice> Service::notices(const Party& caller, std::optional<NoticeState> state) const {
  std::vector<Notice> out;
  for (const auto& [id, n] : impl_->notices) {
    if (n.to_party != caller.id && n.from_party != caller.id) continue;
    if (state && n.state != *state) continue;
    out.push_back(n);
  }
  std::sort(out.begin(), out.end(), [](const Notice& a, const Notice& b) {
    return a.created != b.created ? a.created < b.created : a.id < b.id;
  });
  return out;
}

Result<Notice> Service::answer(const Party& caller, const std::string& notice_id, NoticeState answer,
                               const std::string& text) {
  Impl::WriteScope scope(*impl_);
  if (!scope.status()) return scope.status().error();
  Impl& s = *impl_;
  const auto it = s.notices.find(notice_id);
  if (it == s.notices.end() || (it->second.to_party != caller.id && it->second.from_party != caller.id)) {
    return make_error(ErrorCode::not_found, "no such notice", "id");
  }
  Notice n = it->second;
  if (n.to_party != caller.id) return make_error(ErrorCode::forbidden, "only the notified party may answer", "id");
  if (answer != NoticeState::acknowledged && answer != NoticeState::objected) {
    return make_error(ErrorCode::usage, "a notice is answered by acknowledging or objecting");
  }
  if (n.state == NoticeState::acknowledged || n.state == NoticeState::objected) {
    return make_error(ErrorCode::version_conflict, "the notice was already " + std::string(state_name(n.state)), "id");
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
  const Volume* activity = s.world.find(n.activity_id);
  std::optional<Volume> changed;  // the activity with its new state, if it changes
  if (activity && activity->version == n.activity_version) {
    std::vector<const Notice*> current = s.notices_of(activity->id, activity->version);
    for (const Notice*& p : current) {
      if (p->id == n.id) p = &n;
    }
    if (std::string state = line::activity_state(current); state != activity->state) {
      changed = activity->clone();
      changed->state = std::move(state);
      batch.upserts.push_back(Impl::row_of(*changed, *n.answered));
    }
  }
  batch.events.push_back(s.event(n.from_party, state_name(n.state).data(), format::to_json(n)));
  s.note_notice(batch, caller.id, n, answer == NoticeState::acknowledged ? "acknowledge" : "object");
  if (Status st = s.commit(batch); !st) return st.error();
  s.keep(n);
  if (changed) s.world.put(std::move(*changed));
  return n;
}

Result<Message> Service::send_message(const Party& caller, const std::string& to, const std::string& text,
                                      const std::string& about) {
  Impl::WriteScope scope(*impl_);
  if (!scope.status()) return scope.status().error();
  Impl& s = *impl_;
  const auto recipient = s.parties.find(to);
  if (recipient == s.parties.end() || recipient->second.revoked) {
    return make_error(ErrorCode::invalid_input, "no such party", "to");
  }
  if (to == caller.id) return make_error(ErrorCode::invalid_input, "a message goes to another party", "to");
  if (text.empty() || text.size() > 10'000) return make_error(ErrorCode::invalid_input, "1 to 10,000 characters", "text");
  if (!about.empty()) {
    const Volume* v = s.world.find(about);
    if (!v || !visible(caller, *v)) return make_error(ErrorCode::not_found, "no such object", "about");
  }
  Message m{s.fresh_id("m-"), caller.id, to, text, about, s.now()};
  store::WriteBatch batch;
  batch.messages.push_back(m);
  batch.events.push_back(s.event(to, "message", format::to_json(m)));
  s.note(batch, caller.id, "message", {{"message", format::to_json(m)}}, m.id, caller.id + " " + to);
  if (Status st = s.commit(batch); !st) return st.error();
  s.messages.push_back(m);
  return m;
}

std::vector<Message> Service::messages(const Party& caller) const {
  std::vector<Message> out;
  for (const Message& m : impl_->messages) {
    if (m.from_party == caller.id || m.to_party == caller.id) out.push_back(m);
  }
  return out;
}

Result<std::vector<Event>> Service::events(const Party& caller, int64_t after, size_t limit) const {
  return impl_->store->load_events(caller.id, after, limit);
}

void Service::on_events(std::function<void(const std::vector<Event>&)> listener) {
  impl_->listener = std::move(listener);
}

}  // namespace deconflict
