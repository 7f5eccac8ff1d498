// The record's C2SP checkpoints and the cosignatures parties give them
// (DESIGN §7, docs/record.md "Checkpoints and witnesses").
#include "deconflict/party_view.hpp"
#include "record/checkpoint.hpp"
#include "service/service_impl.hpp"

namespace deconflict {
namespace {

// The log's name: a checkpoint's origin line and the key name of its signature.
std::string origin_of(const record::Chain& chain) { return "deconflict/" + chain.signer_of(1).substr(0, 16); }

}  // namespace

std::string Service::log_origin() const { return origin_of(impl_->record.chain()); }

Result<std::string> PartyView::checkpoint(int64_t size) const {
  const Service::Impl& s = *service_->impl_;
  const record::Chain& chain = s.record.chain();
  const int64_t all = chain.size();
  if (size < 0 || size > all) {
    return make_error(ErrorCode::not_found, "the record has " + std::to_string(all) + " entries", "size");
  }
  const int64_t n = size == 0 ? all : size;
  const std::string origin = origin_of(chain);
  const std::string body = record::checkpoint_body(origin, n, chain.tree().root(static_cast<size_t>(n)));
  std::string note = body + "\n" + record::note_signature(origin, chain.key(), body);
  for (const std::string& line : s.cosignatures.of(n)) note += line + "\n";
  return note;
}

Result<int64_t> PartyView::cosign(const std::string& note) {
  Service::Impl& s = *service_->impl_;
  auto c = record::parse_checkpoint(note);
  if (!c) return c.error();
  Service::Impl::WriteScope scope(s);
  if (!scope.status()) return scope.status().error();
  const record::Chain& chain = s.record.chain();
  if (c->size < 1 || c->size > chain.size() ||
      c->body != record::checkpoint_body(origin_of(chain), c->size, chain.tree().root(static_cast<size_t>(c->size)))) {
    return make_error(ErrorCode::invalid_input, "not this record's checkpoint of its size", "checkpoint");
  }
  if (s.cosignatures.has(c->size, caller_.id)) {
    return make_error(ErrorCode::already_exists, "you cosigned the checkpoint of this size already", "checkpoint");
  }
  for (const PartyKey& key : s.keys.keys_of(caller_.id)) {
    for (const std::string& line : c->signatures) {
      const auto t = record::verify_cosignature_line(c->body, line, caller_.id, key.public_key);
      if (!t) continue;
      if (*t > s.signature_now_s() + s.options.signature_window_s) {
        return make_error(ErrorCode::invalid_input, "the cosignature's time is in the future", "checkpoint");
      }
      store::WriteBatch batch;
      s.note(batch, caller_.id, "checkpoint.cosign",
             {{"size", c->size},
              {"root", record::to_hex(c->root)},
              {"cosigner", caller_.id},
              {"public_key", key.public_key},
              {"timestamp", *t},
              {"line", line}},
             "checkpoints", "*");
      if (Status st = s.commit(batch); !st) return st.error();
      return c->size;
    }
  }
  return make_error(ErrorCode::unauthorized, "no line is a cosignature (tlog-cosignature, key name '" + caller_.id +
                                                 "') by one of your registered keys");
}

}  // namespace deconflict
