#include "service/cosignatures.hpp"

#include <nlohmann/json.hpp>

namespace deconflict {

void Cosignatures::take(const RecordEntry& e) {
  if (e.action != "checkpoint.cosign") return;
  const auto data = nlohmann::json::parse(e.data, nullptr, false);
  if (!data.is_object()) return;
  lines_[data.value("size", int64_t{0})][data.value("cosigner", "")] = data.value("line", "");
}

std::vector<std::string> Cosignatures::of(int64_t size) const {
  std::vector<std::string> out;
  if (const auto it = lines_.find(size); it != lines_.end()) {
    for (const auto& [cosigner, line] : it->second) out.push_back(line);
  }
  return out;
}

bool Cosignatures::has(int64_t size, const std::string& cosigner) const {
  const auto it = lines_.find(size);
  return it != lines_.end() && it->second.count(cosigner);
}

int64_t Cosignatures::latest(const std::string& cosigner, int64_t min_size) const {
  for (auto it = lines_.rbegin(); it != lines_.rend() && it->first >= min_size; ++it) {
    if (it->second.count(cosigner)) return it->first;
  }
  return 0;
}

}  // namespace deconflict
