// The record (DESIGN §7) on the Service facade: reading it as a party may,
// signed tree heads, proofs, and rotating the signing key.
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

// An entry is readable by its audience, by whoever may see the object it is
// about, and by admins; anyone else gets its hash and signature only.
bool readable(const Service& service, const Party& caller, const RecordEntry& e) {
  if (caller.admin || record::in_audience(e, caller.id)) return true;
  const Volume* v = service.find(e.subject);
  return v && service.visible(caller, *v);
}

// The proof that `entry` is in the record under `head`.
InclusionProof proof_for(const record::Chain& chain, RecordEntry entry, const TreeHead& head) {
  const int64_t seq = entry.seq;
  const auto path = chain.tree().inclusion(static_cast<size_t>(seq - 1), static_cast<size_t>(head.size));
  return InclusionProof{std::move(entry), chain.signer_of(seq), hex_all(path), head};
}

}  // namespace

Result<std::vector<RecordEntry>> Service::record(const Party& caller, int64_t after, size_t limit) const {
  auto entries = impl_->store->load_record(after, limit);
  if (!entries) return entries.error();
  for (RecordEntry& e : *entries) {
    if (readable(*this, caller, e)) continue;
    e = RecordEntry{e.seq, {}, {}, {}, {}, e.prev, e.hash, e.signature, true, {}, {}};
  }
  return entries;
}

std::string Service::record_key() const { return impl_->chain->key().public_hex(); }
int64_t Service::record_size() const { return impl_->chain->size(); }

Result<TreeHead> Service::tree_head(int64_t size) const {
  auto n = size_or_all(size, impl_->chain->size(), "size");
  if (!n) return n.error();
  auto last = impl_->store->load_record(*n - 1, 1);
  if (!last) return last.error();
  if (last->empty()) return make_error(ErrorCode::store_error, "the record lost entry " + std::to_string(*n));
  return impl_->chain->head(*n, last->front().time);
}

Result<InclusionProof> Service::inclusion(const Party& caller, int64_t seq, int64_t size) const {
  auto head = tree_head(size);
  if (!head) return head.error();
  if (seq < 1 || seq > head->size) {
    return make_error(ErrorCode::not_found, "no entry " + std::to_string(seq) + " in a record of " +
                                                std::to_string(head->size), "seq");
  }
  auto entry = record(caller, seq - 1, 1);
  if (!entry) return entry.error();
  return proof_for(*impl_->chain, std::move(entry->front()), *head);
}

Result<ConsistencyProof> Service::consistency(int64_t from, int64_t to) const {
  auto newer = tree_head(to);
  if (!newer) return newer.error();
  if (from < 1 || from > newer->size) {
    return make_error(ErrorCode::usage, "from must be in [1, " + std::to_string(newer->size) + "]", "from");
  }
  auto older = tree_head(from);
  if (!older) return older.error();
  const auto path = impl_->chain->tree().consistency(static_cast<size_t>(from), static_cast<size_t>(newer->size));
  return ConsistencyProof{*older, *newer, hex_all(path)};
}

Result<NoticeProof> Service::prove_notice(const Party& caller, const std::string& notice_id) const {
  const auto it = impl_->notices.find(notice_id);
  if (it == impl_->notices.end() ||
      !(caller.admin || it->second.from_party == caller.id || it->second.to_party == caller.id)) {
    return make_error(ErrorCode::not_found, "no such notice", "id");
  }
  // One head for all; the notice's two parties (and admins) read its entries whole.
  auto head = tree_head(0);
  if (!head) return head.error();
  auto entries = impl_->store->load_record_about(notice_id);
  if (!entries) return entries.error();
  NoticeProof proof{notice_id, {}};
  for (RecordEntry& e : *entries) proof.entries.push_back(proof_for(*impl_->chain, std::move(e), *head));
  return proof;
}

Result<std::string> Service::rotate_key(const std::string& acting_party) {
  Impl::WriteScope scope(*impl_);
  if (!scope.status()) return scope.status().error();
  Impl& s = *impl_;
  record::SigningKey next = record::SigningKey::generate();
  const std::string old_key = s.chain->key().public_hex();
  // The new key is written beside the old first, so that a crash between the
  // commit and the switch leaves both on disk.
  const std::string next_path = s.options.key_file() + ".next";
  if (Status st = next.save(next_path); !st) return st.error();
  store::WriteBatch batch;
  s.note(batch, acting_party, "key.rotate", {{"previous", old_key}, {"public_key", next.public_hex()}}, "record", "*");
  if (Status st = s.commit(batch); !st) return st.error();
  if (std::rename(next_path.c_str(), s.options.key_file().c_str()) != 0) {
    return make_error(ErrorCode::io_error, "the rotation is recorded but '" + next_path + "' could not replace '" +
                                               s.options.key_file() + "': move it there before restarting", "key");
  }
  const std::string public_key = next.public_hex();
  s.chain->use_key(std::move(next));
  return public_key;
}

}  // namespace deconflict
