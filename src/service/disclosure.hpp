// The disclosure rules (DESIGN §6.3): what each party may see of the world,
// and how a conflict with something it may not see is reported to it.
// Owned by the service and used only through PartyView; pure, so that the
// rules are tested directly (tests/disclosure_test.cpp).
//
// Not thread-safe: the service's thread reads and writes it.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "deconflict/conflict.hpp"
#include "deconflict/record.hpp"
#include "deconflict/volume.hpp"

namespace deconflict {

/// How a conflict reaches the caller.
enum class Report {
  stored,   // of a declaration or a stored activity: a hidden site keeps its shared window
  dry_run,  // of a check of something not stored: nothing but the party and the rule
};

/// What a disclosure entry of the record (subject "disclosure", written
/// when a declaration showed its party another's object) disclosed, to whom.
struct Disclosed {
  std::string to, object;
};
/// The disclosure the entry records; nothing for any other entry.
std::optional<Disclosed> disclosed_by(const RecordEntry& e);

class Disclosures {
 public:
  using Finder = std::function<const Volume*(const std::string& id)>;

  /// `party` may see object `id` from now on (notified of it, or shown it by
  /// a conflict with one of its own declarations).
  void disclose(const std::string& party, const std::string& id) { disclosed_.emplace(party, id); }
  bool disclosed(const std::string& party, const std::string& id) const { return disclosed_.count({party, id}) > 0; }
  void clear() { disclosed_.clear(); }

  /// True when `party` may see `v`: its own, every agreed zone and the
  /// proposals addressed to it, a site shared with it, and an activity
  /// disclosed to it.
  bool visible(const std::string& party, const Volume& v) const;

  /// The conflicts as `party` may see them. A conflict with a volume it may not
  /// see keeps only the other party and the rule, and for a site in a stored
  /// report the shared window; no id, separation or limit, which could locate
  /// it. `also` are ids disclosed to `party` by the change being reported.
  /// Returns the conflicts as they were before being redacted (the probes).
  std::vector<Conflict> redact(const std::string& party, std::vector<Conflict>& conflicts, const Finder& find,
                               Report report, const std::vector<std::string>& also = {}) const;

 private:
  std::set<std::pair<std::string, std::string>> disclosed_;  // (party, object id)
};

}  // namespace deconflict
