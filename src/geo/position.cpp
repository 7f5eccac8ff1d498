// Positions as the field writes them (include/deconflict/position.hpp).
#include "deconflict/position.hpp"

#include <GeographicLib/DMS.hpp>
#include <GeographicLib/MGRS.hpp>
#include <GeographicLib/UTMUPS.hpp>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <regex>
#include <sstream>
#include <vector>

namespace deconflict {
namespace {

using GeographicLib::DMS;
using GeographicLib::MGRS;
using GeographicLib::UTMUPS;

Error bad(const std::string& text, const std::string& why) {
  return make_error(ErrorCode::invalid_input, "'" + text + "' is not a position: " + why, "position");
}

std::string upper_without_spaces(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::vector<std::string> words(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool is_number(const std::string& s) {
  static const std::regex number(R"([0-9]+(\.[0-9]+)?)");
  return std::regex_match(s, number);
}

// MGRS: a UTM zone and band (or a UPS letter), a 100 km square, and 0 to 11
// digits for each coordinate.
Result<ReadPosition> read_mgrs(const std::string& text, const std::string& packed) {
  try {
    int zone = 0, prec = 0;
    bool northp = false;
    double x = 0, y = 0;
    MGRS::Reverse(packed, zone, northp, x, y, prec, true);
    ReadPosition p{{}, Grid::mgrs, std::pow(10.0, 5 - prec)};
    UTMUPS::Reverse(zone, northp, x, y, p.point.lat_deg, p.point.lon_deg);
    return p;
  } catch (const GeographicLib::GeographicErr& e) {
    return bad(text, std::string("as MGRS, ") + e.what());
  }
}

// The latitude band of UTM written the military way: C to M south of the
// equator, N to X north, 8 degrees each (X 12).
constexpr std::string_view kBands = "CDEFGHJKLMNPQRSTUVWX";

std::optional<std::pair<double, double>> band_of(char letter) {
  const auto i = kBands.find(letter);
  if (i == std::string::npos) return std::nullopt;
  const double south = -80.0 + 8.0 * static_cast<double>(i);
  return std::pair{south, letter == 'X' ? 84.0 : south + 8.0};
}

// UTM/UPS: "37N 561234 3707890". The letter after the zone is the latitude
// band as MGRS writes it; N and S also read as hemispheres, and the reading
// is refused where the two differ (S: band S lies north of the equator).
Result<ReadPosition> read_utm(const std::string& text, const std::vector<std::string>& w) {
  if (!is_number(w[1]) || !is_number(w[2])) return bad(text, "UTM's easting and northing are metres");
  const double x = std::stod(w[1]), y = std::stod(w[2]);
  std::string zonestr = w[0];
  std::transform(zonestr.begin(), zonestr.end(), zonestr.begin(), [](unsigned char c) { return std::toupper(c); });
  const auto locate = [&](int zone, bool northp) -> Result<ReadPosition> {
    try {
      ReadPosition p{{}, Grid::utm, 1.0};
      UTMUPS::Reverse(zone, northp, x, y, p.point.lat_deg, p.point.lon_deg);
      return p;
    } catch (const GeographicLib::GeographicErr& e) {
      return bad(text, std::string("as UTM/UPS, ") + e.what());
    }
  };
  std::smatch m;
  static const std::regex utm_zone(R"(([0-9]{1,2})([A-Z]))");
  if (!std::regex_match(zonestr, m, utm_zone)) {
    int zone = 0;
    bool northp = false;
    try {
      UTMUPS::DecodeZone(zonestr, zone, northp);  // "N", "S", "38NORTH"...
    } catch (const GeographicLib::GeographicErr& e) {
      return bad(text, std::string("its zone: ") + e.what());
    }
    return locate(zone, northp);
  }
  const int zone = std::stoi(m[1]);
  const char letter = m[2].str()[0];
  const auto band = band_of(letter);
  if (!band) return bad(text, std::string("'") + letter + "' is neither a latitude band (C to X) nor a hemisphere");
  if (letter == 'N') return locate(zone, true);
  auto p = locate(zone, band->first >= 0);
  if (!p) return p;
  const double lat = p->point.lat_deg;
  constexpr double kSlack = 0.5;  // degrees: a band's edge as references write it
  if (lat < band->first - kSlack || lat > band->second + kSlack) {
    if (letter == 'S') {
      return bad(text,
                 "'S' reads as latitude band S (32N to 40N), where this northing does not lie; for the "
                 "southern hemisphere write the zone as " +
                     m[1].str() + "south");
    }
    return bad(text, "its northing lies at latitude " + std::to_string(lat) + ", outside band " + letter);
  }
  return p;
}

Result<ReadPosition> read_degrees(const std::string& text) {
  std::vector<std::string> halves;
  if (const auto comma = text.find(','); comma != std::string::npos) {
    halves = {text.substr(0, comma), text.substr(comma + 1)};
  } else {
    halves = words(text);
  }
  if (halves.size() != 2) return bad(text, "write a latitude and a longitude, a grid reference or a UTM position");
  try {
    ReadPosition p{{}, Grid::decimal, 0};
    DMS::DecodeLatLon(halves[0], halves[1], p.point.lat_deg, p.point.lon_deg);
    static const std::regex plain(R"(\s*[-+]?[0-9.]+\s*)");
    if (!std::regex_match(halves[0], plain) || !std::regex_match(halves[1], plain)) p.written_as = Grid::dms;
    return p;
  } catch (const GeographicLib::GeographicErr& e) {
    return bad(text, e.what());
  }
}

}  // namespace

std::optional<Grid> grid_named(std::string_view name) {
  for (Grid g : kGrids) {
    if (name == grid_name(g)) return g;
  }
  return std::nullopt;
}

const char* grid_name(Grid grid) {
  switch (grid) {
    case Grid::decimal:
      return "decimal";
    case Grid::dms:
      return "dms";
    case Grid::mgrs:
      return "mgrs";
    case Grid::utm:
      return "utm";
  }
  return "decimal";
}

Result<ReadPosition> read_position(std::string_view text_in) {
  const std::string text(text_in.substr(0, 200));
  if (text_in.size() > 200) return bad(text, "longer than any way of writing one");
  const std::string packed = upper_without_spaces(text);
  static const std::regex mgrs(R"(([0-9]{1,2}[C-HJ-NP-X]|[ABYZ])[A-HJ-NP-Z]{2}([0-9]{2}){0,11})");
  if (std::regex_match(packed, mgrs)) return read_mgrs(text, packed);
  static const std::regex odd_mgrs(R"(([0-9]{1,2}[C-HJ-NP-X]|[ABYZ])[A-HJ-NP-Z]{2}[0-9]*)");
  if (std::regex_match(packed, odd_mgrs)) {
    return bad(text, "an MGRS reference has as many digits of easting as of northing, at most 11 each");
  }
  const auto w = words(text);
  if (w.size() == 3 && is_number(w[1]) && is_number(w[2])) return read_utm(text, w);
  return read_degrees(text);
}

Result<std::string> write_position(LatLon p, Grid grid, int mgrs_digits) {
  if (!(std::abs(p.lat_deg) <= 90) || !std::isfinite(p.lon_deg)) {
    return make_error(ErrorCode::invalid_input, "not a position on the Earth", "position");
  }
  const double lon = std::remainder(p.lon_deg, 360.0);
  try {
    switch (grid) {
      case Grid::decimal: {
        char out[64];
        std::snprintf(out, sizeof out, "%.6f, %.6f", p.lat_deg, lon);
        return std::string(out);
      }
      case Grid::dms: {
        std::string text = DMS::Encode(p.lat_deg, DMS::SECOND, 1, DMS::LATITUDE) + " " +
                           DMS::Encode(lon, DMS::SECOND, 1, DMS::LONGITUDE);
        for (size_t d = text.find('d'); d != std::string::npos; d = text.find('d', d)) text.replace(d, 1, "°");
        return text;
      }
      case Grid::mgrs:
      case Grid::utm: {
        int zone = 0;
        bool northp = false;
        double x = 0, y = 0;
        UTMUPS::Forward(p.lat_deg, lon, zone, northp, x, y);
        if (grid == Grid::utm) {
          char out[64];
          std::snprintf(out, sizeof out, " %.0f %.0f", std::round(x), std::round(y));
          if (zone == UTMUPS::UPS) return std::string(northp ? "N" : "S") + out;
          // The zone and its latitude band, as MGRS writes them: read back the same way.
          const int band = std::clamp(static_cast<int>(std::floor((p.lat_deg + 80.0) / 8.0)), 0, 19);
          return std::to_string(zone) + kBands[band] + out;
        }
        if (mgrs_digits < 0 || mgrs_digits > 11) {
          return make_error(ErrorCode::usage, "MGRS takes 0 to 11 digits a coordinate", "digits");
        }
        std::string ref;
        MGRS::Forward(zone, northp, x, y, p.lat_deg, mgrs_digits, ref);
        return ref;
      }
    }
  } catch (const GeographicLib::GeographicErr& e) {
    return make_error(ErrorCode::invalid_input, e.what(), "position");
  }
  return make_error(ErrorCode::usage, "no such grid", "grid");
}

}  // namespace deconflict
