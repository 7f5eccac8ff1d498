// A conflict: a rule that a pair of volumes breaks (DESIGN §5).
#pragma once

#include <string>

#include "deconflict/units.hpp"

namespace deconflict {

enum class RuleId { zone_entry, activity_clash, site_hazard, short_notice };

std::string_view rule_name(RuleId rule);

struct Conflict {
  std::string activity_id;  // the activity that was checked
  std::string other_id;     // the volume it conflicts with
  std::string other_party;
  RuleId rule = RuleId::activity_clash;
  TimePoint start;  // the time window the two share
  TimePoint end;
  Metres distance;        // geodesic separation of the geometries, 0 when they touch or overlap
  Metres limit;           // r_A + r_B
  bool redacted = false;  // a site hidden from whom this is shown: no id, no separation, no limit
};

}  // namespace deconflict
