// Typed units used at every module boundary of deconflict.
//
// Lengths are Metres, angles are Degrees, instants are TimePoint (UTC,
// millisecond resolution). A bare double never crosses a public interface
// without its unit in the type or in the name (`_m`, `_deg`).
//
//   deconflict::Metres limit{2000.0};
//   deconflict::LatLon garrison{33.50583, 38.61778};
//
// All types are plain values and thread-compatible.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>

namespace deconflict {

/// A length in metres.
struct Metres {
  double value = 0.0;
  constexpr Metres() = default;
  constexpr explicit Metres(double v) : value(v) {}
  constexpr auto operator<=>(const Metres&) const = default;
  constexpr Metres operator+(Metres o) const { return Metres(value + o.value); }
};

/// An angle in degrees.
struct Degrees {
  double value = 0.0;
  constexpr Degrees() = default;
  constexpr explicit Degrees(double v) : value(v) {}
  constexpr auto operator<=>(const Degrees&) const = default;
};

/// A position on the WGS84 ellipsoid: geodetic latitude and longitude in degrees.
struct LatLon {
  double lat_deg = 0.0;
  double lon_deg = 0.0;
  constexpr bool operator==(const LatLon&) const = default;
};

/// An instant in UTC with millisecond resolution.
using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

/// The earliest and latest representable instants, used for open time windows.
constexpr TimePoint kTimeMin = TimePoint(std::chrono::milliseconds(-62135596800000LL));  // 0001-01-01
constexpr TimePoint kTimeMax = TimePoint(std::chrono::milliseconds(253402300799999LL));  // 9999-12-31

}  // namespace deconflict
