#include "service/record_writer.hpp"

namespace deconflict {

void RecordWriter::start(record::SigningKey key) {
  chain_.emplace(std::move(key));
  last_time_ = kTimeMin;
  event_ids_.emplace(chain_->key().derive("deconflict event ids"));
}

void RecordWriter::note(store::WriteBatch& batch, TimePoint now, const std::string& party, const std::string& action,
                        const nlohmann::ordered_json& data, std::string subject, std::string audience,
                        std::string statement) const {
  const RecordEntry* last = batch.record.empty() ? nullptr : &batch.record.back();
  const TimePoint time = std::max(now, last ? last->time : last_time_);
  batch.record.push_back(
      chain_->next(last, time, party, action, data, std::move(subject), std::move(audience), std::move(statement)));
}

Status RecordWriter::follow(const RecordEntry& e) {
  if (!chain_->append_hash(e.hash)) return damaged_record_hash(e.seq);
  last_time_ = std::max(last_time_, e.time);
  if (e.subject == "record") chain_->note_key(e);
  return {};
}

Error damaged_record_hash(int64_t seq) {
  return make_error(ErrorCode::store_error,
                    "the stored record's entry " + std::to_string(seq) +
                        " has a hash that is not 64 hex digits: the store is damaged (deconflict record verify "
                        "names what else is)",
                    "record");
}

void RecordWriter::use_key(record::SigningKey key) {
  chain_->use_key(std::move(key));
  event_ids_.emplace(chain_->key().derive("deconflict event ids"));
}

Status RecordWriter::follow_key(const std::string& key_file) {
  if (chain_->current_key() == chain_->key().public_hex()) return {};
  auto key = record::SigningKey::load(key_file, false);
  if (key && key->public_hex() == chain_->current_key()) {
    use_key(std::move(*key));
    return {};
  }
  return make_error(ErrorCode::store_error,
                    "'" + key_file + "' does not hold the record's signing key " + chain_->current_key(), "key");
}

}  // namespace deconflict
