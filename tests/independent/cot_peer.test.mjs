// deconflict's TAK data package read by an independent Cursor-on-Target
// implementation, @tak-ps/node-cot from npm: its manifest passes node-cot's
// schema, every drawing parses, and what node-cot makes of each (GeoJSON)
// is the volume deconflict declared, measured with GeographicLib's
// JavaScript port.
//
//   node tests/independent/cot_peer.test.mjs BIN SOURCE_DIR
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import assert from "node:assert/strict";

const [bin, source] = process.argv.slice(2);
const require = createRequire(path.join(source, "web", "package.json"));
const { DataPackage } = await import(require.resolve("@tak-ps/node-cot"));
const { Geodesic } = require("geographiclib-geodesic");
const geod = Geodesic.WGS84;

const dir = mkdtempSync(path.join(tmpdir(), "deconflict-cot-"));
try {
  const db = path.join(dir, "w.db"), zip = path.join(dir, "w.zip");
  execFileSync(bin, ["import", "--db", db, "--no-notices", path.join(source, "scenarios", "at-tanf-2018.geojson")]);
  execFileSync(bin, ["export", "--db", db, "-o", zip], { stdio: "ignore" });
  const declared = JSON.parse(execFileSync(bin, ["export", "--db", db]).toString()).features;
  const byId = new Map(declared.map((f) => [f.properties.id, f]));

  const pkg = await DataPackage.parse(zip, { cleanup: false });  // strict: the manifest is checked
  const cots = await pkg.cots();
  assert.equal(cots.length, declared.length, "one drawing per volume");
  let circles = 0;
  for (const cot of cots) {
    const id = cot.uid().replace(/^deconflict\./, "");
    const f = byId.get(id);
    assert.ok(f, "a drawing of no volume: " + cot.uid());
    const g = await cot.to_geojson();
    assert.equal(g.properties.callsign, f.properties.name || id, id);
    if (f.properties.end) assert.equal(Date.parse(g.properties.stale), Date.parse(f.properties.end), id);
    if (f.properties.start) assert.equal(Date.parse(g.properties.start), Date.parse(f.properties.start), id);
    assert.equal(g.geometry.type, "Polygon", id);
    if (f.geometry.type === "Point") {
      // node-cot draws a circle's ellipse itself: its vertices lie at the radius.
      circles++;
      const [lon, lat] = f.geometry.coordinates, r = f.properties.radius_m;
      for (const [x, y] of g.geometry.coordinates[0]) {
        const s = geod.Inverse(lat, lon, y, x).s12;
        assert.ok(Math.abs(s - r) <= 0.01 * r, `${id}: a vertex ${s.toFixed(1)} m from the centre of a ${r} m circle`);
      }
    } else {
      // A free form is deconflict's outline, vertex for vertex.
      const xml = cot.to_xml();
      const links = (xml.match(/<link point=/g) || []).length;
      assert.ok(links > 4, id);
      assert.ok(Math.abs(g.geometry.coordinates[0].length - links) <= 1, `${id}: ${links} links, ${g.geometry.coordinates[0].length} vertices`);
    }
  }
  assert.equal(circles, 5);
  await pkg.destroy();
  console.log(`ok: @tak-ps/node-cot read ${cots.length} drawings and their manifest`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
