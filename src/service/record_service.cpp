// The record (DESIGN §7) on the Service facade: reading it as a party may,
// signed tree heads, proofs, and rotating the signing key.
#include "record/audience.hpp"
#include "record/entry.hpp"
#include "service/service_impl.hpp"

namespace deconflict {
namespace {

std::vector<std::string> hex_all(const std::vector<record::Digest>& digests) {
  std::vector<std::string> out;
  for (const record::Digest& d : digests) out.push_back(record::to_hex(d));
  return out;
}

// A size asked for: 0 means the whole record; beyond it is not found.
Result<int64_t> size_or_all(int64_t size, int64_t all, const char* field) {
  if (size == 0) return all;
  if (size < 0 || size > all) {
    return make_error(ErrorCode::not_found, "the record holds " + std::to_string(all) + " entries", field);
  }
  return size;
}

// True for the entries about an object (its creation, replacement, import,
// withdrawal): the action names the object's type. A party's answer to a zone
// (zone.accept, zone.decline) is not a change of the zone: like a notice, it
// is for its parties alone (its reason is for the zone's owner).
bool about_object(const RecordEntry& e) {
  if (e.action == "zone.accept" || e.action == "zone.decline") return false;
  for (std::string_view type : {"zone.", "site.", "activity."}) {
    if (e.action.rfind(type, 0) == 0) return true;
  }
  return false;
}

// An entry is readable by its audience and by admins; one about an object
// also by whoever may see the object now. Notices, messages, disclosures,
// probes and answers to a zone are for their parties alone, whatever ids
// other entries share.
bool readable(const engine::World& world, const Disclosures& disclosures, const Party& caller, const RecordEntry& e) {
  if (caller.admin || record::in_audience(e, caller.id)) return true;
  if (!about_object(e)) return false;
  const engine::StoredVolume* v = world.find(e.subject);
  return v && disclosures.visible(caller.id, *v);
}

RecordEntry redacted(const RecordEntry& e) {
  RecordEntry r;
  r.seq = e.seq;
  r.prev = e.prev;
  r.hash = e.hash;
  r.signature = e.signature;
  r.redacted = true;
  return r;
}

// The entry as `caller` may see it: redacted unless readable; for a party,
// without the audience's secrets, and with its own opening of the audience
// when it is of it (DESIGN §6.3: a reader learns from the record who else may
// read an entry only when it may read that elsewhere). Admins see the secrets.
RecordEntry view_of(RecordEntry e, const Party& caller, bool readable) {
  if (!readable) return redacted(e);
  if (caller.admin) return e;
  if (e.audience != "*" && record::in_audience(e, caller.id)) {
    e.audience_proof = record::audience_proof_for({e.audience, e.audience_parties, e.audience_seed}, caller.id);
  }
  e.audience_parties.clear();
  e.audience_seed.clear();
  return e;
}

// The proof that `entry` is in the record under `head`.
InclusionProof proof_for(const record::Chain& chain, RecordEntry entry, const TreeHead& head) {
  const int64_t seq = entry.seq;
  const auto path = chain.tree().inclusion(static_cast<size_t>(seq - 1), static_cast<size_t>(head.size));
  return InclusionProof{std::move(entry), chain.signer_of(seq), hex_all(path), head};
}

}  // namespace

Result<std::vector<RecordEntry>> PartyView::record(int64_t after, size_t limit) const {
  // Read in chunks until the page is full by count or by bytes (PageLimits),
  // so that a page of large entries is never read whole.
  constexpr size_t kChunk = 64;
  limit = std::clamp<size_t>(limit, 1, PageLimits::kMaxItems);
  std::vector<RecordEntry> out;
  size_t bytes = 0;
  while (out.size() < limit && bytes < PageLimits::kMaxBytes) {
    const size_t want = std::min(kChunk, limit - out.size());
    auto chunk = service_->impl_->store->load_record(after, want);
    if (!chunk) return chunk.error();
    for (RecordEntry& e : *chunk) {
      if (!out.empty() && bytes + e.data.size() > PageLimits::kMaxBytes) return out;
      bytes += e.data.size();
      after = e.seq;
      const bool may = readable(service_->impl_->world, service_->impl_->disclosures, caller_, e);
      out.push_back(view_of(std::move(e), caller_, may));
    }
    if (chunk->size() < want) break;
  }
  return out;
}

std::string Service::record_key() const { return impl_->record.chain().key().public_hex(); }
int64_t Service::record_size() const { return impl_->record.chain().size(); }

Result<TreeHead> Service::tree_head(int64_t size) const {
  auto n = size_or_all(size, impl_->record.chain().size(), "size");
  if (!n) return n.error();
  auto last = impl_->store->load_record(*n - 1, 1);
  if (!last) return last.error();
  if (last->empty()) return make_error(ErrorCode::store_error, "the record lost entry " + std::to_string(*n));
  return impl_->record.chain().head(*n, last->front().time);
}

Result<TreeHead> PartyView::tree_head(int64_t size) const {
  const Service::Impl& s = *service_->impl_;
  auto n = size_or_all(size, s.record.size(), "size");
  if (!n) return n.error();
  if (caller_.admin) return service_->tree_head(*n);
  // The time of the newest entry up to n that the caller may read, looked for
  // in the last kLookBack entries (the last alone first, which is most often
  // it, then windows four times larger); else that of the first entry (the
  // record's start, which everyone reads), so that no head dates an entry
  // hidden from it.
  constexpr int64_t kLookBack = 1024;
  for (int64_t end = *n, window = 1; end > 0 && *n - end < kLookBack; end -= window, window *= 4) {
    const int64_t from = std::max<int64_t>({0, end - window, *n - kLookBack});
    auto entries = s.store->load_record(from, static_cast<size_t>(end - from));
    if (!entries) return entries.error();
    for (auto e = entries->rbegin(); e != entries->rend(); ++e) {
      if (readable(s.world, s.disclosures, caller_, *e)) return s.record.chain().head(*n, e->time);
    }
  }
  auto first = s.store->load_record(0, 1);
  if (!first) return first.error();
  if (first->empty()) return make_error(ErrorCode::store_error, "the record lost its first entry");
  return s.record.chain().head(*n, first->front().time);
}

Result<InclusionProof> PartyView::inclusion(int64_t seq, int64_t size) const {
  auto head = tree_head(size);
  if (!head) return head.error();
  if (seq < 1 || seq > head->size) {
    return make_error(ErrorCode::not_found,
                      "no entry " + std::to_string(seq) + " in a record of " + std::to_string(head->size), "seq");
  }
  auto entry = record(seq - 1, 1);
  if (!entry) return entry.error();
  return proof_for(service_->impl_->record.chain(), std::move(entry->front()), *head);
}

Result<ConsistencyProof> PartyView::consistency(int64_t from, int64_t to) const {
  auto newer = tree_head(to);
  if (!newer) return newer.error();
  if (from < 1 || from > newer->size) {
    return make_error(ErrorCode::usage, "from must be in [1, " + std::to_string(newer->size) + "]", "from");
  }
  auto older = tree_head(from);
  if (!older) return older.error();
  const auto path =
      service_->impl_->record.chain().tree().consistency(static_cast<size_t>(from), static_cast<size_t>(newer->size));
  return ConsistencyProof{*older, *newer, hex_all(path)};
}

Result<NoticeProof> PartyView::prove_notice(const std::string& notice_id) const {
  const Service::Impl& s = *service_->impl_;
  const Notice* found = s.notices.find(notice_id);
  if (!found || !(caller_.admin || found->from_party == caller_.id || found->to_party == caller_.id)) {
    return no_such("notice", notice_id);
  }
  auto entries = s.store->load_record_about(notice_id);
  if (!entries) return entries.error();
  std::erase_if(*entries, [](const RecordEntry& e) { return e.action.rfind("notice.", 0) != 0; });
  // The two parties' key entries, against which the answers' signatures and
  // the checkpoint's cosignatures verify.
  auto keys = s.store->load_record_about("keys");
  if (!keys) return keys.error();
  std::erase_if(*keys,
                [&](const RecordEntry& e) { return e.party != found->from_party && e.party != found->to_party; });
  // One head for all: the smaller of the sizes the two parties last
  // cosigned that hold them all, with the larger and the consistency
  // between them; today's when either never cosigned one.
  const int64_t needed = std::max(entries->empty() ? 0 : entries->back().seq, keys->empty() ? 0 : keys->back().seq);
  const int64_t a = s.cosignatures.latest(found->from_party, needed),
                b = s.cosignatures.latest(found->to_party, needed);
  const int64_t first = a && b ? std::min(a, b) : 0, second = a && b ? std::max(a, b) : 0;
  auto head = tree_head(first);
  if (!head) return head.error();
  NoticeProof proof{notice_id, {}, {}, {}, {}};
  for (const int64_t size : {head->size, second}) {
    if (size == 0 || (size == second && second == head->size)) continue;
    auto note = checkpoint(size);
    if (!note) return note.error();
    proof.checkpoints.push_back(std::move(*note));
  }
  if (proof.checkpoints.size() == 2) {
    proof.consistency =
        hex_all(s.record.chain().tree().consistency(static_cast<size_t>(head->size), static_cast<size_t>(second)));
  }
  // The notice's entries are its two parties'; the key entries everyone's.
  for (RecordEntry& e : *entries) {
    proof.entries.push_back(proof_for(s.record.chain(), view_of(std::move(e), caller_, true), *head));
  }
  for (RecordEntry& e : *keys) {
    if (e.seq > head->size) continue;
    proof.keys.push_back(proof_for(s.record.chain(), view_of(std::move(e), caller_, true), *head));
  }
  return proof;
}

Result<std::string> Service::rotate_key(const std::string& acting_party) {
  Impl::WriteScope scope(*impl_);
  if (!scope.status()) return scope.status().error();
  Impl& s = *impl_;
  record::SigningKey next = record::SigningKey::generate();
  const std::string old_key = s.record.chain().key().public_hex();
  // The new key is written beside the old first, so that a crash between the
  // commit and the switch leaves both on disk.
  const std::string next_path = s.options.key_file() + ".next";
  if (Status st = next.save(next_path); !st) return st.error();
  store::WriteBatch batch;
  s.note(batch, acting_party, "key.rotate", {{"previous", old_key}, {"public_key", next.public_hex()}}, "record", "*");
  if (Status st = s.commit(batch); !st) return st.error();
  if (std::rename(next_path.c_str(), s.options.key_file().c_str()) != 0) {
    return make_error(ErrorCode::io_error,
                      "the rotation is recorded but '" + next_path + "' could not replace '" + s.options.key_file() +
                          "': move it there before restarting",
                      "key");
  }
  const std::string public_key = next.public_hex();
  s.record.use_key(std::move(next));
  return public_key;
}

}  // namespace deconflict
