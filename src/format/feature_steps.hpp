// The steps of reading a Feature that the two readers share: read_feature
// (any input, on nlohmann-json) and read_stored_feature (the store's own rows,
// on simdjson), the properties read through one set of checks (json_node.hpp).
// Internal to src/format.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "deconflict/prepared_volume.hpp"
#include "deconflict/status.hpp"
#include "format/json_node.hpp"

namespace deconflict::format::detail {

/// Refuses a `crs` member (GeoJSON before RFC 7946) that names any system but
/// WGS84's longitude/latitude, which the coordinates would be misread in.
Status check_crs(const nlohmann::json& doc);
/// An invalid_input error naming the field.
Error invalid(std::string field, std::string message);
/// The id (of the feature or its properties, which must agree), type and
/// party. Node is JsonNode or SimdNode.
template <class Node>
Status read_identity(const Node& feature, const Node& props, Volume& v);
/// Every other property, given the geometry (v.geometry) already read; of
/// the server's own, those `taken` says; the names of the others the input
/// carried are added to `ignored`.
template <class Node>
Status read_properties(const Node& props, Volume& v, ServerFields taken, std::vector<std::string>* ignored = nullptr);
/// Prepares v's geometry: validated and built now, or, for a stored feature,
/// bounded now and built on first use.
Result<PreparedVolume> prepare(Volume&& v, bool stored);

}  // namespace deconflict::format::detail
