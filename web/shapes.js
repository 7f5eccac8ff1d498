// The true geodesic outlines of volumes on WGS84, for drawing: a 55 km circle
// is the set of points 55 km from its centre along geodesics, a polygon's
// edges are geodesics, a corridor keeps its half-width on both sides of its
// geodesic legs. Uses Karney's GeographicLib (geographiclib-geodesic).
"use strict";

const Shapes = (() => {
  const G = window.geodesic.Geodesic;
  const geod = G.WGS84;
  const UNROLL = G.STANDARD | G.LONG_UNROLL;  // continuous longitudes across the antimeridian
  const STEP_M = 10000;                       // densify geodesic edges every 10 km

  function direct(lat, lon, azi, s) {
    const r = geod.Direct(lat, lon, azi, s, UNROLL);
    return [r.lat2, r.lon2, r.azi2];
  }

  // The points of the geodesic from a to b ([lon, lat] pairs), a included, b
  // not, starting from a's unrolled longitude `lon`; and b's unrolled longitude.
  function densify(a, b, lon) {
    const line = geod.InverseLine(a[1], lon, b[1], b[0]);
    const n = Math.max(1, Math.ceil(line.s13 / STEP_M));
    const out = [];
    for (let i = 0; i < n; i++) {
      const p = line.Position((line.s13 * i) / n, UNROLL);
      out.push([p.lat2, p.lon2, p.azi2]);
    }
    const end = line.Position(line.s13, UNROLL);
    return { points: out, end: [end.lat2, end.lon2, end.azi2] };
  }

  function circle(center, radius) {
    const out = [];
    for (let azi = 0; azi < 360; azi += 2.5) out.push(direct(center[1], center[0], azi, radius).slice(0, 2));
    return out;
  }

  // Longitudes stay continuous along the path, across the antimeridian too.
  function path(points) {
    const out = [];
    let end = [points[0][1], points[0][0], 0];
    for (let i = 0; i + 1 < points.length; i++) {
      const leg = densify(points[i], points[i + 1], end[1]);
      out.push(...leg.points);
      end = leg.end;
    }
    out.push(end);
    return out;
  }

  // Each side offset by the half-width along the normals of the geodesic, with round ends.
  function corridor(points, halfWidth) {
    const line = path(points);
    if (halfWidth <= 0) return { polyline: line.map((p) => p.slice(0, 2)) };
    const left = [], right = [];
    for (const [lat, lon, azi] of line) {
      left.push(direct(lat, lon, azi - 90, halfWidth).slice(0, 2));
      right.push(direct(lat, lon, azi + 90, halfWidth).slice(0, 2));
    }
    const cap = (lat, lon, azi, from) => {
      const out = [];
      for (let a = from; a <= from + 180; a += 10) out.push(direct(lat, lon, azi + a, halfWidth).slice(0, 2));
      return out;
    };
    const end = line[line.length - 1], start = line[0];
    return { polygon: [...left, ...cap(end[0], end[1], end[2], -90), ...right.reverse(), ...cap(start[0], start[1], start[2], 90)] };
  }

  function ring(coords) {
    return path(coords).slice(0, -1).map((p) => p.slice(0, 2));
  }

  // A polygon's margin as pieces: each geodesic edge's corridor of the
  // margin's width, whose round ends cover the joins. Their union is the
  // margin; the page draws the pieces in one translucent pane, where
  // overlaps do not darken, so the union shows without being computed.
  function margin(rings, width) {
    if (!(width > 0)) return [];
    const pieces = [];
    for (const r of rings) {
      for (let i = 0; i + 1 < r.length; i++) pieces.push(corridor([r[i], r[i + 1]], width).polygon);
    }
    return pieces;
  }

  /// Leaflet-ready outline of a GeoJSON geometry with the volume's radius or
  /// buffer: `polygon` or `polyline`, and a polygon's `margin` pieces.
  function outline(geometry, props) {
    const r = props.radius_m || props.buffer_m || 0;
    switch (geometry.type) {
      case "Point": return { polygon: circle(geometry.coordinates, props.radius_m || 1) };
      case "LineString": return corridor(geometry.coordinates, r);
      case "Polygon": return { polygon: geometry.coordinates.map(ring), margin: margin(geometry.coordinates, r) };
      case "MultiPolygon":
        return { polygon: geometry.coordinates.map((p) => p.map(ring)), margin: margin(geometry.coordinates.flat(), r) };
      default: return null;
    }
  }

  return { outline, circle, corridor };
})();
