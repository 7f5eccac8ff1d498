// The map page in Debian's chromium, driven by playwright-core, against the
// real server: `deconflict replay` of the At Tanf scenario with --serve, the
// same thing `make demo` runs. Screenshots go to tests/web/artifacts/.
//
//   node tests/web/map.test.mjs BIN SOURCE_DIR
import { execFileSync, spawn } from "node:child_process";
import { createHash, createPrivateKey, randomBytes, sign as edSign } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import assert from "node:assert/strict";

const [bin, source] = process.argv.slice(2);
const require = createRequire(path.join(source, "web", "package.json"));
const { chromium } = require("playwright-core");
const artifacts = path.join(source, "tests", "web", "artifacts");
mkdirSync(artifacts, { recursive: true });

// Starts the replay with --serve; resolves with the URL and each party's token.
function startDemo(dir) {
  const child = spawn(bin, ["replay", path.join(source, "scenarios", "at-tanf-2018.replay.json"),
    "--db", path.join(dir, "demo.db"), "--listen", "127.0.0.1:0", "--serve"], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.on("exit", (code) => reject(new Error("the replay ended with " + code + ":\n" + out)));
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (!out.includes("Ctrl-C stops the server")) return;
      const url = out.match(/The map: (http:\/\/[0-9.:]+)\//)[1];
      const tokens = Object.fromEntries([...out.matchAll(/^ {3}([a-z-]+) +(dcf_\S+)$/gm)].map((m) => [m[1], m[2]]));
      resolve({ child, url, tokens, out, db: path.join(dir, "demo.db"), keys: path.join(dir, "demo.db.keys") });
    });
  });
}

async function apiAs(url, token, method, route, body) {
  const res = await fetch(url + route, { method, headers: { Authorization: "Bearer " + token, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

// An act of `party` as its client would send it: signed with the key the
// replay made for it (RFC 9421 over the body's Content-Digest), with node's
// own Ed25519.
async function actAs(demo, party, method, route, body) {
  const text = body === undefined ? "" : JSON.stringify(body);
  const secret = readFileSync(path.join(demo.keys, party + ".key"), "utf8").trim();
  const b64url = (hex) => Buffer.from(hex, "hex").toString("base64url");
  const key = createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", d: b64url(secret.slice(0, 64)), x: b64url(secret.slice(64)) },
    format: "jwk" });
  const digest = "sha-256=:" + createHash("sha256").update(text).digest("base64") + ":";
  const params = `("@method" "@target-uri" "content-digest");created=${Math.floor(Date.now() / 1000)}` +
                 `;keyid="${secret.slice(64)}";alg="ed25519";nonce="${randomBytes(16).toString("hex")}"`;
  const base = `"@method": ${method}\n"@target-uri": ${demo.url}${route}\n"content-digest": ${digest}\n"@signature-params": ${params}`;
  const res = await fetch(demo.url + route, { method, body: body === undefined ? undefined : text,
    headers: { Authorization: "Bearer " + demo.tokens[party], "Content-Type": "application/json", "Content-Digest": digest,
               "Signature-Input": "act=" + params, "Signature": "act=:" + edSign(null, Buffer.from(base), key).toString("base64") + ":" } });
  return { status: res.status, json: await res.json() };
}

// Signs in as `party` and imports the key file the replay made for it, as its
// officer would on the map, so that the page signs the party's acts.
async function signInWithKey(page, demo, party) {
  await page.goto(demo.url + "/");
  await page.fill("#token", demo.tokens[party]);
  await page.click("#signin button");
  await page.waitForFunction(() => Number(document.getElementById("map").dataset.drawn) > 0);
  await page.waitForSelector("#keys:not([hidden])");
  await page.setInputFiles("#key-file", path.join(demo.keys, party + ".key"));
  await page.waitForFunction(() => /signed with key/.test(document.getElementById("key-status").textContent));
}

// Fills the plan's form as its user would.
async function fillPlan(page, { type = "activity", name, shape = "circle", radius, kind, start, end }) {
  await page.selectOption("#plan-type", type);
  if (name) await page.fill("#plan-name", name);
  await page.selectOption("#plan-shape", shape);
  await page.fill("#plan-radius", String(radius));
  if (kind) await page.selectOption("#plan-kind", kind);
  await page.fill("#plan-start", start);
  await page.fill("#plan-end", end);
}

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

test("the page loads with no console errors, draws the basemap and, signed in, the scenario", async ({ page, demo, errors }) => {
  await page.goto(demo.url + "/");
  await page.waitForFunction(() => document.querySelectorAll(".leaflet-overlay-pane path").length > 100);
  await page.fill("#token", demo.tokens.coalition);
  await page.press("#token", "Enter");
  await page.waitForFunction(() => Number(document.getElementById("map").dataset.drawn) > 0);
  assert.match(await page.textContent("#party-name"), /coalition/i);
  await page.screenshot({ path: path.join(artifacts, "map.png") });
  assert.deepEqual(errors, []);
});

test("signed in as the coalition, the inbox shows Russia's notice; Acknowledge changes its state in the API", async ({ page, demo }) => {
  await signInWithKey(page, demo, "coalition");
  // The notice is told by the object it is about, whichever of the two the page
  // loaded first.
  await page.waitForFunction(() => /movement, russia → coalition, version \d/.test(document.getElementById("inbox").textContent));
  // Russia notifies a new movement in the zone: it arrives live, pending.
  const move = { type: "Feature", geometry: { type: "Point", coordinates: [38.7, 33.4] },
    properties: { kind: "patrol", radius_m: 2000, start: "2018-09-20T00:00:00Z", end: "2018-09-21T00:00:00Z" } };
  const sent = await actAs(demo, "russia", "POST", "/v1/activities", move);
  assert.equal(sent.status, 201);
  const id = sent.json.notices.find((n) => n.party === "coalition").id;
  const item = `#inbox li[data-notice="${id}"]`;
  await page.waitForSelector(`${item} button:text("Acknowledge")`);
  await page.click(`${item} button:text("Acknowledge")`);
  await page.waitForSelector(`${item} .state-acknowledged`);
  const notices = await apiAs(demo.url, demo.tokens.coalition, "GET", "/v1/notices?state=acknowledged");
  assert.ok(notices.json.notices.some((n) => n.id === id));
  await page.screenshot({ path: path.join(artifacts, "inbox.png") });
});

test("moving the time slider changes what is drawn", async ({ page, demo }) => {
  await page.goto(demo.url + "/");
  await page.fill("#token", demo.tokens.coalition);
  await page.click("#signin button");
  await page.waitForFunction(() => Number(document.getElementById("map").dataset.drawn) > 0);
  const drawn = () => page.evaluate(() => Number(document.getElementById("map").dataset.drawn));
  await page.focus("#time");
  await page.keyboard.press("Home");
  const first = await drawn();
  const counts = new Set([first]);
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press("PageUp");
    counts.add(await drawn());
  }
  assert.ok(counts.size > 1, "the objects drawn never changed: " + [...counts]);
  assert.notEqual(await page.textContent("#time-label"), "");
});

test("the page asks for every conflict in paged requests, not one per activity, and styles hazards by the API's rules", async ({ page, demo }) => {
  const asked = [];
  page.on("request", (r) => { if (r.url().includes("/v1/")) asked.push(new URL(r.url()).pathname); });
  await page.goto(demo.url + "/");
  await page.fill("#token", demo.tokens.coalition);
  await page.click("#signin button");
  await page.waitForFunction(() => Number(document.getElementById("map").dataset.drawn) > 0);
  assert.ok(asked.includes("/v1/conflicts"), asked.join(" "));
  assert.ok(asked.includes("/v1/rules"), asked.join(" "));
  assert.deepEqual(asked.filter((p) => /^\/v1\/activities\/.+\/conflicts$/.test(p)), []);
  const all = await apiAs(demo.url, demo.tokens.coalition, "GET", "/v1/conflicts");
  assert.equal(all.status, 200);
  assert.ok(all.json.activities.some((a) => a.conflicts.length > 0), JSON.stringify(all.json));
  // Strikes and exercises are drawn as hazards because /v1/rules says they are.
  const styles = await page.evaluate(() => [...state.hazardous].sort().concat(
    ["strike", "exercise", "convoy"].map((kind) => styleOf({ properties: { type: "activity", kind, party: "x" } }, false).dashArray || "")));
  assert.deepEqual(styles, ["exercise", "strike", "2 4", "2 4", ""]);
});

test("planning an activity shows its conflicts before it is submitted", async ({ page, demo }) => {
  await signInWithKey(page, demo, "coalition");
  await fillPlan(page, { radius: 20000, kind: "exercise", start: "2018-09-08T00:00", end: "2018-09-09T00:00" });
  await page.click("#plan-draw");
  const box = await page.locator("#map").boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  const before = (await apiAs(demo.url, demo.tokens.coalition, "GET", "/v1/activities")).json.features.length;
  await page.click("#plan-check");
  await page.waitForFunction(() => /with/.test(document.getElementById("plan-conflicts").textContent));
  assert.match(await page.textContent("#plan-conflicts"), /activity-clash with .*\(russia.entry\) \(russia\), [0-9.]+ k?m inside the [0-9.]+ km limit/);
  const after = (await apiAs(demo.url, demo.tokens.coalition, "GET", "/v1/activities")).json.features.length;
  assert.equal(after, before, "a check stores nothing");
  await page.screenshot({ path: path.join(artifacts, "plan.png") });
  // The line's clock is at the replay's end (14 September): a plan that
  // starts before it is refused with the reason, and stores nothing.
  await page.click("#plan-submit");
  await page.waitForFunction(() => /before the line's time/.test(document.getElementById("status").textContent));
  assert.equal((await apiAs(demo.url, demo.tokens.coalition, "GET", "/v1/activities")).json.features.length, before);
  await page.fill("#plan-start", "2018-09-20T00:00");
  await page.fill("#plan-end", "2018-09-21T00:00");
  await page.click("#plan-submit");
  await page.waitForFunction(() => /Submitted/.test(document.getElementById("status").textContent));
  assert.equal((await apiAs(demo.url, demo.tokens.coalition, "GET", "/v1/activities")).json.features.length, before + 1);
});

test("a party's acts are signed in the browser: refused unsigned once it has keys, signed with an imported or a new key", async ({ page, demo, errors }) => {
  // The coalition has keys (the replay made them): without one in this
  // browser the page says so, and an act is refused with the reason.
  await page.goto(demo.url + "/");
  await page.fill("#token", demo.tokens.coalition);
  await page.click("#signin button");
  await page.waitForFunction(() => /none in this browser/.test(document.getElementById("key-status").textContent));
  assert.equal(await page.isHidden("#key-create"), true, "a party with keys cannot register a new one unsigned");
  await page.fill("#message-to", "russia");
  await page.fill("#message-text", "unsigned");
  await page.click("#message-form button");
  await page.waitForFunction(() => /sign/i.test(document.getElementById("status").textContent));
  const unsigned = (await apiAs(demo.url, demo.tokens.russia, "GET", "/v1/messages")).json.messages;
  assert.ok(!unsigned.some((m) => m.text === "unsigned"), "an unsigned act was stored");

  // A party without keys makes one here: non-extractable, registered, and its
  // acts carry its signature onto the record.
  const observer = execFileSync(bin, ["party", "add", "observer", "--db", demo.db], { stdio: ["ignore", "pipe", "ignore"] })
    .toString().trim();
  await page.evaluate(() => sessionStorage.clear());
  await page.goto(demo.url + "/");
  await page.fill("#token", observer);
  await page.click("#signin button");
  await page.waitForFunction(() => /has no signing key/.test(document.getElementById("key-status").textContent));
  await page.click("#key-create");
  await page.waitForFunction(() => /signed with key/.test(document.getElementById("key-status").textContent));
  const made = await page.evaluate(() => ({ hex: state.key.publicHex, extractable: state.key.privateKey.extractable }));
  assert.equal(made.extractable, false);
  const keys = (await apiAs(demo.url, observer, "GET", "/v1/keys")).json.keys;
  assert.deepEqual(keys.map((k) => k.public_key), [made.hex]);
  await page.fill("#message-to", "un");
  await page.fill("#message-text", "signed in the browser");
  await page.click("#message-form button");
  await page.waitForFunction(() => document.getElementById("message-text").value === "");
  const record = [];
  for (let after = 0;;) {
    const page_ = (await apiAs(demo.url, observer, "GET", `/v1/record?after=${after}`)).json.entries;
    if (!page_.length) break;
    record.push(...page_);
    after = page_[page_.length - 1].seq;
  }
  const entry = record.find((e) => e.action === "message" && e.party === "observer");
  assert.ok(entry && entry.statement, "the message's entry keeps the signed request");
  assert.match(entry.statement.signature_params, new RegExp(`keyid="${made.hex}"`));
  // Kept in this browser: signed in again, the page signs with it at once.
  await page.reload();
  await page.waitForFunction(() => /signed with key/.test(document.getElementById("key-status").textContent));
  assert.deepEqual(errors.filter((e) => !/401/.test(e)), []);
});

test("the page works in a narrow window and its controls have labels", async ({ page, demo, errors }) => {
  await page.setViewportSize({ width: 420, height: 860 });
  await page.goto(demo.url + "/");
  await page.fill("#token", demo.tokens.un);
  await page.click("#signin button");
  await page.waitForFunction(() => Number(document.getElementById("map").dataset.drawn) > 0);
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll("input, select")]
    .filter((e) => !e.labels || e.labels.length === 0).map((e) => e.id));
  assert.deepEqual(unlabelled, []);
  const mapBox = await page.locator("#map").boundingBox(), panel = await page.locator("#panel").boundingBox();
  assert.ok(panel.y >= mapBox.y + mapBox.height - 1, "the panel goes below the map");
  await page.screenshot({ path: path.join(artifacts, "narrow.png") });
  assert.deepEqual(errors, []);
});

// Sets the time slider to an instant, as a person dragging it would.
async function showTime(page, iso) {
  await page.evaluate((t) => {
    const s = document.getElementById("time");
    s.value = String(Date.parse(t));
    s.dispatchEvent(new Event("input"));
  }, iso);
}

async function signIn(page, demo, party) {
  await page.goto(demo.url + "/");
  await page.fill("#token", demo.tokens[party]);
  await page.click("#signin button");
  await page.waitForFunction(() => Number(document.getElementById("map").dataset.drawn) > 0);
}

test("a polygon's margin is drawn, as wide as it is declared", async ({ page, demo, errors }) => {
  await signIn(page, demo, "coalition");
  await showTime(page, "2018-09-07T10:00:00Z");
  // The air assault is a polygon with a 1 km margin: its margin reaches 1 km beyond it on every side.
  const reach = await page.evaluate(() => {
    const inner = state.layers["coalition.air-assault"].getBounds(), outer = state.margins["coalition.air-assault"].getBounds();
    return { north: outer.getNorth() - inner.getNorth(), south: inner.getSouth() - outer.getSouth(),
             pieces: document.querySelectorAll(".leaflet-margins-pane path").length };
  });
  assert.ok(reach.pieces > 0, "no margin drawn");
  for (const side of ["north", "south"]) {
    assert.ok(Math.abs(reach[side] * 110946 - 1000) < 25, `${side}: ${reach[side] * 110946} m`);
  }
  assert.deepEqual(errors, []);
});

test("a click selects an object, and adds a point to the plan only when drawing", async ({ page, demo }) => {
  await signIn(page, demo, "coalition");
  const box = await page.locator("#map").boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);  // within the 55 km zone
  await page.waitForFunction(() => document.querySelector("#details dl"));
  assert.equal(await page.evaluate(() => state.plan.length), 0);
  assert.match(await page.textContent("#details"), /Altitude/);
  assert.doesNotMatch(await page.textContent("#details"), /\{"lower_m"/, "properties are written for people, not as JSON");
  await page.click("#plan-draw");
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  assert.equal(await page.evaluate(() => state.plan.length), 1);
});

test("each conflict is listed once per pair, in km, saying how far inside the limit", async ({ page, demo }) => {
  await signIn(page, demo, "coalition");
  await showTime(page, "2018-09-07T10:00:00Z");
  const items = await page.$$eval("#conflicts li", (lis) => lis.map((li) => li.firstChild.textContent));
  assert.ok(items.length > 1, items.join("\n"));
  const pairs = new Set();
  for (const text of items) {
    const [a, rest] = text.split(" × ");
    const b = rest.split(" (")[0], rule = text.split(": ")[1].split(",")[0];
    assert.ok(!pairs.has([b, a, rule].join("|")), "listed twice: " + text);
    pairs.add([a, b, rule].join("|"));
    if (!/protected site of/.test(text)) assert.match(text, /inside the [0-9.]+ k?m limit/);
  }
});

test("a new notice is cued: its item flashes, the title counts what waits for an answer", async ({ page, demo }) => {
  await signInWithKey(page, demo, "coalition");
  const move = { type: "Feature", geometry: { type: "Point", coordinates: [38.65, 33.45] },
    properties: { name: "Night movement", kind: "movement", radius_m: 1000, start: "2018-09-22T00:00:00Z", end: "2018-09-23T00:00:00Z" } };
  const sent = await actAs(demo, "russia", "POST", "/v1/activities", move);
  assert.equal(sent.status, 201);
  const id = sent.json.notices.find((n) => n.party === "coalition").id;
  await page.waitForSelector(`#inbox li.arrived[data-notice="${id}"]`);
  assert.match(await page.title(), /^\(\d+\) deconflict$/);
  const text = await page.textContent(`#inbox li[data-notice="${id}"]`);
  assert.match(text, /Night movement/);
  assert.match(text, /movement, russia → coalition/);
  assert.match(text, /2018-09-22 00:00Z to 2018-09-23 00:00Z/);
  assert.match(text, /zone-entry, [0-9.]+ km inside the [0-9.]+ km limit/);
  assert.match(text, /answer by .* \(.*left\)/);
  await page.click(`#inbox li[data-notice="${id}"] button:text("Show on map")`);
  await page.waitForFunction(() => /Night movement/.test(document.getElementById("details").textContent));
  assert.equal(await page.evaluate(() => activeAt(objectOf(state.selected), currentTime())), true);
  await page.screenshot({ path: path.join(artifacts, "notice.png") });
});

test("positions are typed and read in any grid; the line's time is marked on the slider", async ({ page, demo }) => {
  await signIn(page, demo, "coalition");
  await page.fill("#plan-at", "37SDT 644 074");
  await page.click("#plan-add");
  await page.waitForFunction(() => state.plan.length === 1);
  assert.match(await page.textContent("#status"), /square of 100 m/);
  const at = await page.evaluate(() => state.plan[0]);
  assert.ok(Math.abs(at.lat - 33.5055) < 0.002 && Math.abs(at.lng - 38.6177) < 0.002, JSON.stringify(at));
  await page.selectOption("#grid", "dms");
  const box = await page.locator("#map").boundingBox();
  await page.mouse.move(box.x + 200, box.y + 200);
  await page.waitForFunction(() => /°/.test(document.getElementById("cursor").textContent));
  const whoami = await apiAs(demo.url, demo.tokens.coalition, "GET", "/v1/whoami");
  const mark = await page.$eval("#time-marks option", (o) => Number(o.value));
  assert.equal(mark, Date.parse(whoami.json.now));
  await page.click("#now");
  assert.equal(await page.evaluate(() => currentTime()), Date.parse(whoami.json.now));
});

test("the UN coordinator declares a protected site from the page", async ({ page, demo }) => {
  await signInWithKey(page, demo, "un");
  await page.selectOption("#plan-type", "site");
  assert.equal(await page.isHidden("#plan-kind"), true);
  assert.equal(await page.isVisible("#plan-share"), true);
  await page.fill("#plan-name", "Mobile clinic");
  await page.fill("#plan-site-kind", "hospital");
  await page.fill("#plan-radius", "300");
  await page.fill("#plan-at", "33°20'00\"N 38°40'00\"E");
  await page.click("#plan-add");
  await page.waitForFunction(() => state.plan.length === 1);
  await page.click("#plan-submit");
  await page.waitForFunction(() => /Submitted/.test(document.getElementById("status").textContent));
  const sites = (await apiAs(demo.url, demo.tokens.un, "GET", "/v1/sites")).json.features;
  const made = sites.find((f) => f.properties.name === "Mobile clinic");
  assert.ok(made, "the site was not stored");
  assert.equal(made.properties.radius_m, 300);
  assert.equal(made.properties.share, "all");
  assert.ok(Math.abs(made.geometry.coordinates[1] - 33.33333) < 1e-4);
  await page.screenshot({ path: path.join(artifacts, "declare.png") });
});

test("a party edits and withdraws its own activity from the page; its history is read from the record", async ({ page, demo }) => {
  await signInWithKey(page, demo, "coalition");
  const made = await actAs(demo, "coalition", "POST", "/v1/activities", { type: "Feature",
    geometry: { type: "Point", coordinates: [38.3, 33.9] },
    properties: { name: "Resupply", kind: "convoy", radius_m: 1000, start: "2018-09-25T00:00:00Z", end: "2018-09-26T00:00:00Z" } });
  assert.equal(made.status, 201);
  const id = made.json.feature.properties.id;
  await page.waitForFunction((i) => objectOf(i), id);
  await page.evaluate((i) => showOnMap(i), id);
  await page.click('#details button:text("Edit")');
  assert.equal(await page.inputValue("#plan-name"), "Resupply");
  assert.equal(await page.inputValue("#plan-radius"), "1000");
  await page.fill("#plan-radius", "1500");
  await page.click("#plan-submit");
  await page.waitForFunction(() => /Replaced .*version 2/.test(document.getElementById("status").textContent));
  const replaced = await apiAs(demo.url, demo.tokens.coalition, "GET", "/v1/activities/" + id);
  assert.equal(replaced.json.properties.radius_m, 1500);
  assert.equal(replaced.json.properties.version, 2);
  await page.evaluate((i) => showOnMap(i), id);
  await page.click('#details button:text("History")');
  await page.waitForFunction(() => document.querySelectorAll("#history li").length >= 2);
  const steps = await page.textContent("#history");
  assert.match(steps, /by coalition \(signed\)/);
  await page.click('#details button:text("Withdraw")');
  await page.waitForFunction(() => /withdrawn/.test(document.getElementById("status").textContent));
  const gone = await apiAs(demo.url, demo.tokens.coalition, "GET", "/v1/activities/" + id);
  assert.equal(gone.json.properties.state, "withdrawn");
  // Withdrawn, it is no longer drawn, unless the legend asks for what was withdrawn.
  await page.waitForFunction((i) => objectOf(i).properties.state === "withdrawn" && !state.layers[i], id);
  await page.check('#legend input[data-layer="state:withdrawn"]');
  assert.ok(await page.evaluate((i) => !!state.layers[i], id));
});

test("a notice's receipt is saved as a proof that deconflict record verify-proof accepts", async ({ page, demo }) => {
  await signInWithKey(page, demo, "coalition");
  await page.waitForSelector("#inbox li");
  const first = await page.$eval("#inbox li", (li) => li.dataset.notice);
  const [download] = await Promise.all([page.waitForEvent("download"),
    page.click(`#inbox li[data-notice="${first}"] button:text("Save receipt")`)]);
  assert.equal(download.suggestedFilename(), `${first}.proof.json`);
  const file = path.join(artifacts, download.suggestedFilename());
  await download.saveAs(file);
  await page.waitForSelector("#receipt:not([hidden])");
  assert.match(await page.textContent("#receipt"), new RegExp(`Receipt of notice ${first}`));
  const key = (await apiAs(demo.url, demo.tokens.coalition, "GET", "/v1/record/key")).json.public_key;
  const out = execFileSync(bin, ["record", "verify-proof", file, "--key", key, "--accept-unsigned"]).toString();
  assert.match(out, new RegExp(`proof verified: notice ${first}`));
});

test("a volume in conflict keeps its party's colour, and a plan's point is taken out by a click", async ({ page, demo }) => {
  await signIn(page, demo, "coalition");
  await showTime(page, "2018-09-07T10:00:00Z");
  const stroke = await page.evaluate(() => {
    const el = state.layers["coalition.live-fire"].getElement();
    return { cls: el.getAttribute("class"), color: getComputedStyle(el).stroke };
  });
  assert.match(stroke.cls, /in-conflict/);
  assert.equal(stroke.color, "rgb(31, 111, 235)");  // the coalition's blue
  await page.click("#plan-draw");
  await page.selectOption("#plan-shape", "polygon");
  const box = await page.locator("#map").boundingBox();
  for (const [dx, dy] of [[-100, -100], [100, -100], [0, 100]]) await page.mouse.click(box.x + box.width / 2 + dx, box.y + box.height / 2 + dy);
  assert.equal(await page.evaluate(() => state.plan.length), 3);
  await page.mouse.click(box.x + box.width / 2 + 100, box.y + box.height / 2 - 100);  // on the second point
  assert.equal(await page.evaluate(() => state.plan.length), 2);
  // A point is moved by dragging it.
  const before = await page.evaluate(() => state.plan[0].lat);
  await page.mouse.move(box.x + box.width / 2 - 100, box.y + box.height / 2 - 100);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 - 100, box.y + box.height / 2 - 40, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction((b) => state.plan[0].lat < b - 0.01, before);
  assert.equal(await page.evaluate(() => state.plan.length), 2);
  // Names on the map, when asked.
  await page.check("#labels");
  assert.ok(await page.$$eval(".leaflet-tooltip.label", (t) => t.length) > 3);
});

test("the Russian liaison officer plans a strike typed in MGRS, sees what it would hit, and notifies it", async ({ page, demo }) => {
  await signInWithKey(page, demo, "russia");
  await fillPlan(page, { name: "Precision strike, grid 37S DS", radius: 2000, kind: "strike",
                         start: "2018-09-27T02:00", end: "2018-09-27T04:00" });
  await page.fill("#plan-at", "37SDS 6000 8800");
  await page.click("#plan-add");
  await page.waitForFunction(() => state.plan.length === 1);
  await page.click("#plan-check");
  await page.waitForFunction(() => /conflict\(s\); nothing was stored/.test(document.getElementById("status").textContent));
  const checked = await page.textContent("#plan-conflicts");
  assert.match(checked, /zone-entry with At Tanf deconfliction zone/);
  await page.screenshot({ path: path.join(artifacts, "liaison.png") });
  await page.click("#plan-submit");
  await page.waitForFunction(() => /Submitted/.test(document.getElementById("status").textContent));
  const inbox = await apiAs(demo.url, demo.tokens.coalition, "GET", "/v1/notices?state=pending");
  const activities = (await apiAs(demo.url, demo.tokens.russia, "GET", "/v1/activities")).json.features;
  const strike = activities.find((f) => f.properties.name === "Precision strike, grid 37S DS");
  assert.ok(inbox.json.notices.some((n) => n.activity === strike.properties.id), "the coalition was not notified");
});

const dir = mkdtempSync(path.join(tmpdir(), "deconflict-web-"));
const demo = await startDemo(dir);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"] });
let failed = 0;
try {
  for (const { name, fn } of tests) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors = [];
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    page.on("pageerror", (e) => errors.push(e.message));
    try {
      await fn({ page, demo, errors });
      console.log("ok   " + name);
    } catch (e) {
      failed++;
      // What the page itself reported, for a failure that a test does not check it for.
      console.log("FAIL " + name + "\n" + (e.stack || e) + (errors.length ? "\npage errors:\n" + errors.join("\n") : ""));
      await page.screenshot({ path: path.join(artifacts, "failure-" + tests.indexOf(tests.find((t) => t.name === name)) + ".png") }).catch(() => {});
    }
    await context.close();
  }
} finally {
  await browser.close();
  demo.child.removeAllListeners("exit");
  demo.child.kill("SIGTERM");
  await new Promise((r) => demo.child.on("exit", r));
  rmSync(dir, { recursive: true, force: true });
}
console.log(failed ? `${failed} of ${tests.length} failed` : `all ${tests.length} passed`);
process.exit(failed ? 1 : 0);
