// Writing Volumes and Conflicts as the interchange format (DESIGN §3).
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "deconflict/conflict.hpp"
#include "deconflict/event.hpp"
#include "deconflict/notice.hpp"
#include "deconflict/volume.hpp"

namespace deconflict::format {

/// A GeoJSON Feature with every property of the volume, as read_feature accepts it.
nlohmann::ordered_json to_feature(const Volume& v);
nlohmann::ordered_json to_geometry(const Geometry& g);
/// to_feature as RFC 7946 asks of files: outer rings counterclockwise and
/// holes clockwise (the right-hand rule; DESIGN §4 reads either), and, when
/// asked, `bbox` [west, south, east, north] of the positions (west > east
/// when they cross the antimeridian).
nlohmann::ordered_json to_file_feature(const Volume& v, bool with_bbox);
/// `{"id", "party", "rule", "start", "end", "distance_m", "limit_m"}`, the distance to 0.1 m.
nlohmann::ordered_json to_json(const Conflict& c);
/// The same object's text, to_json(c).dump() byte for byte, appended to
/// `out` without building the document (a fifth of the cost).
void append_json(const Conflict& c, std::string& out);
/// A JSON string, the bytes of nlohmann::json(s).dump(), appended to `out`.
void append_json(const std::string& s, std::string& out);
/// `{"id", "activity", "activity_version", "from", "to", "state", "created", "deadline", "answered"?, "text"?}`.
nlohmann::ordered_json to_json(const Notice& n);
/// `{"id", "from", "to", "text", "about"?, "created"}`.
nlohmann::ordered_json to_json(const Message& m);

}  // namespace deconflict::format
