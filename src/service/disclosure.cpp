#include "service/disclosure.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace deconflict {

bool Disclosures::visible(const std::string& party, const Volume& v) const {
  if (v.party == party) return true;
  if (v.type == ObjectType::zone) {  // an agreed zone, and a proposal to those it is addressed to
    return !v.proposed() || names(v.terms().agreed_by, party);
  }
  if (v.type == ObjectType::site) return v.terms().share.empty() || names(v.terms().share, party);
  return disclosed(party, v.id);
}

std::vector<Conflict> Disclosures::redact(const std::string& party, std::vector<Conflict>& conflicts,
                                          const Finder& find, Report report,
                                          const std::vector<std::string>& also) const {
  std::vector<Conflict> probes;
  for (Conflict& c : conflicts) {
    const Volume* other = find(c.other_id);
    if (other && (visible(party, *other) || std::find(also.begin(), also.end(), other->id) != also.end())) continue;
    probes.push_back(c);
    const bool keep_window = report == Report::stored && other && other->type == ObjectType::site;
    c.redacted = true;
    c.other_id.clear();
    c.distance = Metres(0);
    c.limit = Metres(0);
    if (!keep_window) c.start = c.end = kTimeMin;
  }
  return probes;
}

std::optional<Disclosed> disclosed_by(const RecordEntry& e) {
  if (e.subject != "disclosure") return std::nullopt;
  const auto data = nlohmann::json::parse(e.data, nullptr, false);
  if (!data.is_object()) return std::nullopt;
  return Disclosed{data.value("to", ""), data.value("object", "")};
}

}  // namespace deconflict
