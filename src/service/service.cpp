#include "deconflict/service.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <map>
#include <random>
#include <stdexcept>
#include <unordered_set>

#include "format/feature_reader.hpp"
#include "format/feature_writer.hpp"
#include "geo/bbox.hpp"
#include "geo/shape.hpp"
#include "service/credentials.hpp"
#include "service/service_impl.hpp"

namespace deconflict {
namespace detail {

// The box around the circle of a Near, for the index; and the exact test.
struct NearTest {
  explicit NearTest(const ListFilter::Near& n)
      : within_m(n.within.value),
        point(*geo::Shape::build_trusted(Geometry{GeometryType::point, {{{n.point}}}})),
        box(geo::bounds_of(point.cap().expanded_by(within_m))) {}
  bool operator()(const PreparedVolume& v) const {
    geo::Work unlimited;
    return (*this)(v, unlimited);
  }
  /// The test charged to `work`; void once it is exhausted.
  bool operator()(const PreparedVolume& v, geo::Work& work) const {
    const double limit = within_m + v.radius.value;
    return geo::distance_m(v.shape(), point, limit, work) <= limit;
  }
  double within_m;
  geo::Shape point;
  geo::LonLatBounds box;
};

}  // namespace detail

namespace {

using detail::NearTest;

geo::LonLatBounds lon_lat_of(const BoundingBox& b) { return {b.west_deg, b.south_deg, b.east_deg, b.north_deg}; }

// Which of a filter's tests the index already made exactly.
struct Tested {
  bool type = false, bbox = false;
};

bool passes(const engine::StoredVolume& v, const ListFilter& f, Tested tested) {
  if (f.type && !tested.type && v.type != *f.type) return false;
  if (f.party && v.party != *f.party) return false;
  if (f.start && !(*f.start < v.window.end)) return false;
  if (f.end && !(v.window.start < *f.end)) return false;
  if (f.bbox && !tested.bbox && !geo::boxes_meet(index::list_bounds(v), lon_lat_of(*f.bbox))) return false;
  return true;
}

// The first 16 bytes of an id as two big-endian numbers (zeros past its
// end): ordered as the ids are, but for ids that share those 16 bytes.
struct IdKey {
  uint64_t high = 0, low = 0;
  explicit IdKey(const std::string& id) {
    unsigned char bytes[16] = {};
    std::memcpy(bytes, id.data(), std::min<size_t>(id.size(), sizeof bytes));
    high = big_endian(bytes);
    low = big_endian(bytes + 8);
  }
  static uint64_t big_endian(const unsigned char* eight) {
    uint64_t n = 0;
    std::memcpy(&n, eight, sizeof n);
    if constexpr (std::endian::native == std::endian::little) n = __builtin_bswap64(n);
    return n;
  }
  auto operator<=>(const IdKey&) const = default;
};

// Sorts by id, comparing the ids' first 16 bytes as numbers and the rest
// only where those are equal: a list sorts its candidates for every request,
// and string compares were a tenth of a list's time.
void sort_by_id(std::vector<const engine::StoredVolume*>& volumes) {
  std::vector<std::pair<IdKey, const engine::StoredVolume*>> keyed;
  keyed.reserve(volumes.size());
  for (const engine::StoredVolume* v : volumes) keyed.emplace_back(IdKey(v->id), v);
  std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return a.second->id < b.second->id;  // equal first 16 bytes (a zero byte there is told apart here too)
  });
  for (size_t i = 0; i < keyed.size(); ++i) volumes[i] = keyed[i].second;
}

// The candidates of a list: those that pass the filter, but for the exact
// distance of `near`, whose box the index is asked for.
std::vector<const engine::StoredVolume*> listed(const engine::World& world, const ListFilter& filter,
                                                const NearTest* near) {
  std::vector<const engine::StoredVolume*> out;
  std::optional<geo::LonLatBounds> box;
  if (filter.bbox) box = lon_lat_of(*filter.bbox);
  if (near) box = near->box;  // within the bbox too: passes() tests it
  if (box) {                  // few of many: ask the index, which tests the box and the type exactly
    const Tested tested{.type = true, .bbox = !near};
    out = world.meeting(*box, filter.type, filter.start.value_or(kTimeMin), filter.end.value_or(kTimeMax));
    std::erase_if(out, [&](const engine::StoredVolume* v) { return !passes(*v, filter, tested); });
  } else {
    for (const engine::StoredVolume* v : filter.type ? world.of_type(*filter.type) : world.all()) {
      if (passes(*v, filter, {})) out.push_back(v);
    }
  }
  sort_by_id(out);
  return out;
}

// The candidates within `near` by their exact distance (all of them with no `near`).
std::vector<const Volume*> exactly_near(std::vector<const engine::StoredVolume*> candidates,
                                        const std::optional<NearTest>& near) {
  if (near) std::erase_if(candidates, [&](const engine::StoredVolume* v) { return !(*near)(*v); });
  return {candidates.begin(), candidates.end()};
}

// A stored volume's Feature text, as lists join it.
std::string feature_of(const Volume& v) { return format::to_feature(v).dump(); }

}  // namespace

Status ListFilter::Near::validate() const {
  if (!(std::abs(point.lat_deg) <= 90) || !(std::abs(point.lon_deg) <= 180)) {
    return make_error(ErrorCode::usage, "not a position on the Earth", "near");
  }
  if (!(within.value >= 0 && within.value <= 1'000'000)) {
    return make_error(ErrorCode::usage, "must be 0 to 1,000,000 metres", "within");
  }
  return {};
}

Status Options::validate() const {
  if (db_path.empty()) return make_error(ErrorCode::usage, "must not be empty", "db_path");
  if (store::is_postgres_url(db_path) && key_path.empty()) {
    return make_error(ErrorCode::usage, "a PostgreSQL store needs the path of the record's signing key", "key_path");
  }
  if (signature_window_s < 1 || signature_window_s > 86'400) {
    return make_error(ErrorCode::usage, "must be 1 to 86,400 seconds", "signature_window_s");
  }
  return {};
}

Status BoundingBox::validate() const {
  const auto in = [](double v, double lim) { return std::isfinite(v) && v >= -lim && v <= lim; };
  if (!in(west_deg, 180) || !in(east_deg, 180))
    return make_error(ErrorCode::usage, "longitudes must be in [-180, 180]", "bbox");
  if (!in(south_deg, 90) || !in(north_deg, 90))
    return make_error(ErrorCode::usage, "latitudes must be in [-90, 90]", "bbox");
  if (south_deg > north_deg) return make_error(ErrorCode::usage, "south must not be above north", "bbox");
  return {};
}

Result<BoundingBox> BoundingBox::parse(std::string_view text, const std::string& field) {
  // Four decimal numbers apart by commas, spaces allowed around each (read
  // with from_chars: a map asks one for every list).
  double deg[4];
  for (int i = 0; i < 4; ++i) {
    const size_t comma = i < 3 ? text.find(',') : text.size();
    std::string_view number = text.substr(0, comma);
    while (!number.empty() && number.front() == ' ') number.remove_prefix(1);
    while (!number.empty() && number.back() == ' ') number.remove_suffix(1);
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), deg[i]);
    if (comma == std::string_view::npos || number.empty() || ec != std::errc{} ||
        end != number.data() + number.size()) {
      return make_error(ErrorCode::usage, "expected west,south,east,north in degrees", field);
    }
    text.remove_prefix(std::min(comma + 1, text.size()));
  }
  const BoundingBox b{deg[0], deg[1], deg[2], deg[3]};
  if (Status st = b.validate(); !st) return st.error();
  return b;
}

Service::Service(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Service::~Service() = default;

Result<std::unique_ptr<Service>> Service::open(const Options& options) {
  if (Status st = options.validate(); !st) return st.error();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  auto store = store::open_store(options.db_path);
  if (!store) return store.error();
  impl->store = std::move(*store);
  if (Status st = impl->follower.load(); !st) return st.error();
  return std::unique_ptr<Service>(new Service(std::move(impl)));
}

Result<ImportResult> Service::import(std::vector<PreparedVolume> volumes, ImportMode mode, ImportNotices notices) {
  // One group: every object's change is a savepoint of one transaction, and
  // an error abandons them all (the group rolls back, memory is reloaded).
  Group group = this->group();
  Impl::WriteScope scope(*impl_);
  if (!scope.status()) return scope.status().error();
  ImportResult result;
  std::unordered_set<std::string> ids;
  for (PreparedVolume& v : volumes) {
    if (v.id.empty()) {
      do v.id = impl_->fresh_id("o-");
      while (impl_->world.find(v.id) || ids.count(v.id));
    }
    if (!ids.insert(v.id).second) return make_error(ErrorCode::invalid_input, "duplicate id in the input", v.id);
    const engine::StoredVolume* old = impl_->world.find(v.id);
    if (old && mode == ImportMode::create) {
      return make_error(ErrorCode::already_exists, "an object with this id is already stored (use --replace)", v.id);
    }
    v.version = old ? old->version + 1 : 1;
    (old ? result.replaced : result.created).push_back(v.id);
  }
  uint64_t spent = 0;  // the operator's import is charged to nobody
  for (PreparedVolume& v : volumes) {
    auto declared = impl_->commit_declared(std::move(v), nullptr, spent, {true, notices == ImportNotices::send});
    if (!declared) return declared.error();
    result.notices += declared->notices.size();
  }
  if (Status st = group.commit(); !st) return st.error();
  return result;
}

std::vector<const Volume*> Service::list(const ListFilter& filter) const {
  std::optional<NearTest> near;
  if (filter.near) near.emplace(*filter.near);
  return exactly_near(listed(impl_->world, filter, near ? &*near : nullptr), near);
}

const Volume* Service::find(const std::string& id) const { return impl_->world.find(id); }

std::string_view Service::feature_text(const Volume& v) const {
  const engine::StoredVolume* stored = impl_->world.find(v.id);
  if (stored != &v) throw std::logic_error("feature_text() is for the stored volumes this service gave");
  return stored->text(feature_of);
}

Result<std::vector<Conflict>> Service::conflicts(const std::string& activity_id) const {
  const engine::StoredVolume* v = impl_->world.find(activity_id);
  if (!v) return no_such("object", activity_id);
  if (v->type != ObjectType::activity) {
    return make_error(ErrorCode::usage, "only activities have conflicts; this is a " + std::string(type_name(v->type)),
                      activity_id);
  }
  return impl_->world.check(*v, impl_->context_for(*v));
}

std::vector<Conflict> Service::all_conflicts() const {
  std::vector<Conflict> out;
  ListFilter activities;
  activities.type = ObjectType::activity;
  std::vector<const engine::StoredVolume*> timeline = listed(impl_->world, activities, nullptr);
  std::stable_sort(timeline.begin(), timeline.end(), [](const Volume* a, const Volume* b) {
    return a->notified.value_or(kTimeMin) < b->notified.value_or(kTimeMin);
  });
  for (const engine::StoredVolume* v : timeline) {
    auto c = impl_->world.check(*v, impl_->context_for(*v));
    out.insert(out.end(), c.begin(), c.end());
  }
  return out;
}

// What the caller may see of the filter's candidates, but for the exact
// distance of `near`. Hidden objects are dropped before any distance is
// measured: neither an answer nor its time depends on their shapes.
std::vector<const engine::StoredVolume*> PartyView::visible_candidates(const ListFilter& filter,
                                                                       const NearTest* near) const {
  std::vector<const engine::StoredVolume*> out = listed(service_->impl_->world, filter, near);
  std::erase_if(out, [&](const engine::StoredVolume* v) { return !service_->impl_->visible(caller_.id, *v); });
  return out;
}

std::vector<const Volume*> PartyView::list(const ListFilter& filter) const {
  std::optional<NearTest> near;
  if (filter.near) near.emplace(*filter.near);
  return exactly_near(visible_candidates(filter, near ? &*near : nullptr), near);
}

Result<ListPage> PartyView::page(const ListFilter& filter, const std::string& after, size_t limit) const {
  limit = std::clamp<size_t>(limit, 1, PageLimits::kMaxItems);
  std::optional<NearTest> near;
  if (filter.near) near.emplace(*filter.near);
  const std::vector<const engine::StoredVolume*> all = visible_candidates(filter, near ? &*near : nullptr);
  auto it = std::upper_bound(all.begin(), all.end(), after,
                             [](const std::string& id, const engine::StoredVolume* v) { return id < v->id; });
  ListPage out;
  const size_t most = std::min<size_t>(limit, static_cast<size_t>(all.end() - it));
  out.volumes.reserve(most);
  out.texts.reserve(most);
  size_t bytes = 0;
  // Distances are charged to a page's budget (Options::max_page_work): a page
  // that spends it ends early, its cursor after the last object measured.
  geo::Work work(service_->impl_->options.max_page_work);
  std::string last_measured;
  for (; it != all.end(); ++it) {
    const std::string_view text = (*it)->text(feature_of);
    const size_t size = text.size();
    if (out.volumes.size() == limit || (!out.volumes.empty() && bytes + size > PageLimits::kMaxBytes)) break;
    if (near) {
      const bool in = (*near)(**it, work);
      if (work.exhausted()) break;
      last_measured = (*it)->id;
      if (!in) continue;
    }
    out.volumes.push_back(*it);
    out.texts.push_back(text);
    bytes += size;
  }
  spent_ += work.used();
  if (it == all.end()) return out;
  if (near && last_measured.empty()) {
    return make_error(ErrorCode::too_complex, "measuring the distance to one object takes more work than a page may",
                      "near");
  }
  out.next = near ? last_measured : out.volumes.back()->id;
  return out;
}

Result<const Volume*> PartyView::find(ObjectType type, const std::string& id) const {
  const engine::StoredVolume* v = service_->impl_->world.find(id);
  if (!v || v->type != type || !service_->impl_->visible(caller_.id, *v)) {
    return no_such("object", id);
  }
  return v;
}

std::string_view PartyView::feature_text(const Volume& v) const { return service_->feature_text(v); }

std::shared_ptr<const Volume> PartyView::pin(const Volume& v) const { return service_->impl_->world.pin(v.id); }

PartyView Service::as(const Party& caller, const Precheck* ahead) { return PartyView(*this, caller, ahead); }

Precheck PartyView::plan(const PreparedVolume& v) const {
  // Borrowed: the caller keeps `v` alive until the request is served.
  return service_->impl_->plan(std::shared_ptr<const PreparedVolume>(std::shared_ptr<void>(), &v), service_->now());
}

Precheck PartyView::plan(const std::string& id) const {
  const Service::Impl& s = *service_->impl_;
  auto stored = s.world.pin(id);
  if (!stored || !s.visible(caller_.id, *stored)) return {};
  return s.plan(std::move(stored), service_->now());
}

std::vector<Conflict> Service::check(const PreparedVolume& activity) const {
  return impl_->world.check(activity, impl_->context_for(activity));
}

Service::Group Service::group() { return Group(*this); }

Service::Group::Group(Service& s) : service_(&s) {
  s.impl_->outbox.hold();
  s.impl_->store->begin_group();
}

Service::Group::~Group() {
  if (!service_) return;
  Impl& s = *service_->impl_;
  s.store->abandon_group();
  s.forget_group();
}

std::vector<std::string> touched_by(const std::vector<store::StoredObject>& objects, const std::vector<Notice>& notices,
                                    const std::vector<RecordEntry>& record) {
  std::vector<std::string> ids;
  for (const store::StoredObject& o : objects) ids.push_back(o.id);
  for (const Notice& n : notices) ids.push_back(n.activity_id);
  for (const RecordEntry& e : record) {
    if (auto d = disclosed_by(e)) ids.push_back(d->object);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::erase(ids, "");
  return ids;
}

Status Service::Group::commit() {
  Service& service = *service_;
  auto events = commit_unsynced();
  if (!events) return events.error();
  if (service.impl_->group_sync) {
    if (Status st = service.impl_->group_sync(); !st) return st;
  }
  service.publish_synced(events->published);
  return {};
}

Result<Service::Group::Committed> Service::Group::commit_unsynced() {
  Impl& s = *std::exchange(service_, nullptr)->impl_;
  const bool wrote = s.store->writing();
  if (Status st = s.store->end_group(); !st) {
    // The world holds the group's changes, which the store does not: load
    // from the store again, now or (if it cannot be reached) before the next request.
    s.forget_group();
    if (Status reloaded = s.follower.follow(); !reloaded) return reloaded.error();
    return st.error();
  }
  return Committed{s.outbox.take(), wrote};
}

std::function<Status()> Service::defer_group_syncs() {
  if (!impl_->group_sync) impl_->group_sync = impl_->store->defer_group_syncs();
  return impl_->group_sync;
}

void Service::publish_synced(const Published& published) { impl_->outbox.deliver(published); }

Result<std::string> Service::add_party(const std::string& id, const std::string& name, bool admin) {
  Impl::WriteScope scope(*impl_);
  if (!scope.status()) return scope.status().error();
  if (!is_party_id(id)) {
    return make_error(ErrorCode::usage, "'" + id + "' is not a party id (a lowercase slug of 1 to 64 characters)",
                      "id");
  }
  if (impl_->parties.find(id)) return make_error(ErrorCode::already_exists, "the party already exists", id);
  const std::string token = credentials::make_token();
  store::StoredParty party{id, name.empty() ? id : name, admin, credentials::hash_token(token), impl_->now(), {}};
  store::WriteBatch batch;
  batch.parties.push_back(party);
  impl_->note(batch, id, "party.add", {{"party", {{"id", id}, {"name", party.name}, {"admin", admin}}}}, id, "*");
  if (Status st = impl_->commit(batch); !st) return st.error();
  impl_->parties.remember(std::move(party));
  return token;
}

Status Service::revoke_party(const std::string& id) {
  Impl::WriteScope scope(*impl_);
  if (!scope.status()) return scope.status();
  const store::StoredParty* known = impl_->parties.find(id);
  if (!known) return no_such("party", id);
  if (known->revoked) return {};
  store::StoredParty revoked = *known;
  revoked.revoked = impl_->now();
  store::WriteBatch batch;
  batch.parties.push_back(revoked);
  impl_->note(batch, id, "party.revoke", {{"party", {{"id", id}}}}, id, "*");
  if (Status st = impl_->commit(batch); !st) return st;
  impl_->parties.remember(std::move(revoked));
  return {};
}

std::vector<Party> Service::parties() const {
  std::vector<Party> out;
  for (const auto& [id, p] : impl_->parties.all()) out.push_back(Impl::to_party(p));
  return out;
}

Result<Party> Service::authenticate(std::string_view token) {
  if (Status st = impl_->follower.follow(); !st) return st.error();
  return authenticate_known(token);
}

Result<Party> Service::authenticate_known(std::string_view token) const {
  const std::string hash = credentials::hash_token(token);
  const store::StoredParty* party = impl_->parties.by_token_hash(hash);
  const Error unknown = make_error(ErrorCode::not_found, "unknown or revoked token");
  if (!party || !credentials::same_hash(party->token_hash, hash) || party->revoked) return unknown;
  return Impl::to_party(*party);
}

Status Service::follow() { return impl_->follower.follow(); }

bool Service::reads_aside() const { return !impl_->follower.loading() && !impl_->notices.any_due(impl_->now()); }

Status Service::health() {
  if (Status st = impl_->follower.follow(); !st) return st;
  auto head = impl_->store->record_head();
  return head ? Status{} : Status(head.error());
}

Status Service::writable() { return impl_->store->writable(); }

size_t Service::size() const { return impl_->world.size(); }
TimePoint Service::now() const { return impl_->now(); }

}  // namespace deconflict
