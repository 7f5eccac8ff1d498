// Volumes as Cursor-on-Target (CoT) events, for TAK clients (ATAK, WinTAK,
// iTAK), and ATAK's drawings read back as features.
//
//   std::vector<gis::CotEvent> events = gis::to_cot(volume, now);   // one per drawn part
//   Status st = gis::write_data_package("at-tanf.zip", volumes, now);   // a TAK data package
//   Result<nlohmann::json> f = gis::read_cot_drawing(xml_text);          // a GeoJSON Feature
//
// Each volume is a TAK drawing: a circle (`u-d-c-c`, its ellipse the
// circle's radius) or a free-form shape (`u-d-f`, its vertices the true
// outline of gis/outline.hpp, within `tolerance_m`). A corridor or margin
// is drawn by its outline; a polygon's holes cannot be drawn as a free form,
// so only its outer ring is (more area, never less), which the remarks say.
// Events follow MITRE's CoT base event schema and TAK's schemas for these
// drawings (takcot/xsd), element for element, which the tests check with
// xmllint. The time window is the event's start and stale; what deconflict
// knows of the volume (its party, type, kind, altitude band, rules) is in
// the remarks, whose `source` is the party. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "deconflict/status.hpp"
#include "deconflict/volume.hpp"
#include "format/feature_reader.hpp"
#include "gis/gis.hpp"

namespace deconflict::gis {

struct CotEvent {
  std::string uid;  // "deconflict.<id>", with ".<n>" for the n-th part of a shape in several
  std::string xml;  // one <event> element, without an XML declaration
};

/// Text as XML writes it in an attribute or element: & < > " ' escaped, and
/// the control characters XML 1.0 has no place for left out.
std::string xml_escaped(std::string_view s);

/// The volume as CoT events: one, or one per part of an outline in several
/// (a MultiPolygon, or a shape cut at the antimeridian). `now` is the events' time.
Result<std::vector<CotEvent>> to_cot(const Volume& v, TimePoint now, double tolerance_m = 2.0);

/// A TAK data package: a zip of one .cot file per event and its
/// MANIFEST/manifest.xml, which ATAK, WinTAK and iTAK import.
Status write_data_package(const std::string& path, const std::vector<const Volume*>& volumes, TimePoint now,
                          std::vector<std::string>* warnings);

/// An ATAK drawing (`u-d-f` free form, `u-d-c-c` circle, `u-d-r` rectangle)
/// as a GeoJSON Feature: its geometry, `name` from the callsign, `start`/`end`
/// from the event's start and stale, `description` from the remarks. The
/// properties deconflict needs and a drawing lacks (type, party, kind) are
/// the caller's to add.
Result<nlohmann::json> read_cot_drawing(std::string_view xml);

/// A .cot file of one drawing, or every drawing of a data package (.zip), as
/// a batch; `options.map.constants` (--set) give what drawings lack.
Result<format::Batch> read_cot_file(const std::string& path, const ReadOptions& options);

}  // namespace deconflict::gis
