// Reading the interchange format (DESIGN §3): GeoJSON Features into Volumes.
//
//   Result<PreparedVolume> v = format::read_feature(json);    // one Feature
//   Result<Batch> b = format::read_features(text, options);    // Feature, FeatureCollection or NDJSON
//
// Every field is validated; an error names the field and the reason, and in a
// batch the feature (its id, or its position: `features[3]`, `line 4`). The
// geometry is validated by preparing it: the volume is handed over prepared.
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "deconflict/prepared_volume.hpp"
#include "deconflict/status.hpp"

namespace deconflict::format {

/// The default limit on positions in one geometry, which keeps one feature
/// from exhausting the machine (ring validation is quadratic in the worst case).
constexpr size_t kMaxPositions = 20'000;
constexpr size_t kMaxIdLength = 128;

/// Which of the properties the server manages (version, state, and who
/// accepted or declined a zone) a reader takes from its input. The version
/// and the state are the line's (an activity imported "withdrawn" would never
/// be checked), so only the store's own rows give them.
enum class ServerFields {
  none,          // a party's declaration
  zone_answers,  // the operator's bulk import (a restored export keeps its agreements)
  all,           // the store's own rows, and a world an offline check is run against
};

/// What `ignored` says of a geometry whose positions have a third number.
constexpr std::string_view kThirdCoordinate = "geometry.coordinates (third numbers)";

/// Parses and validates one Feature. A feature without an id gets an empty id.
/// Of the server's properties it takes only what `taken` says; `ignored`, if
/// given, gets the names of the others it had.
Result<PreparedVolume> read_feature(const nlohmann::json& feature, size_t max_positions = kMaxPositions,
                                    std::vector<std::string>* ignored = nullptr,
                                    ServerFields taken = ServerFields::none);

/// Reads a Feature's text that format::to_feature wrote after read_feature()
/// accepted it (a stored one): the same checks of its properties, but its
/// geometry is only bounded now and prepared on first use
/// (PreparedVolume::stored), not validated again. Parsed with simdjson, for
/// opening large stores: in place when the string's capacity leaves
/// simdjson's padding (64 bytes) after the text, else from a padded copy.
/// With the cap stored beside it, the geometry's structure alone is checked
/// and nothing computed of it (PreparedVolume::stored with a cap).
Result<PreparedVolume> read_stored_feature(const std::string& text, const std::optional<BoundingCap>& cap = {});

struct ReadOptions {
  /// Skip bad features (counting them in Batch::rejected) instead of failing on the first.
  bool skip_invalid = false;
  /// What is taken of the server's own properties (the rest are listed in Batch::ignored).
  ServerFields server_fields = ServerFields::none;
};

struct Batch {
  std::vector<PreparedVolume> volumes;  // in input order
  std::vector<Error> rejected;          // with skip_invalid: why each bad feature was skipped
  std::vector<std::string> labels;      // for each volume: its id or position, for messages
  std::vector<std::string> ignored;     // server-managed properties the input carried, which were not read
};

/// Reads a Feature, a FeatureCollection or NDJSON (one Feature a line).
/// Duplicate ids within the input are an error.
Result<Batch> read_features(std::string_view text, const ReadOptions& options = {});

/// Reads features already parsed (a GIS file's, made into GeoJSON), each
/// labelled in messages by its position (`layer 'sites', feature 3 (clinic-1)`).
Result<Batch> read_parsed_features(const std::vector<nlohmann::json>& features,
                                   const std::vector<std::string>& positions, const ReadOptions& options = {});

/// The whole content of a file, or of standard input for "-".
Result<std::string> read_file(const std::string& path);

}  // namespace deconflict::format
