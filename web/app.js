// The map page of deconflict serve: what a party may see, on a basemap of
// Natural Earth boundaries, in time; its inbox of notices; planning an
// activity. Everything goes through the HTTP/JSON API with the party's token.
"use strict";

const $ = (id) => document.getElementById(id);
const HOUR = 3600 * 1000;
const state = { token: sessionStorage.getItem("token") || "", party: "", objects: [], conflicts: {}, notices: [],
                messages: [], layers: {}, selected: null, plan: [], planLayer: null, timer: null, stream: null,
                key: null,  // {privateKey, publicHex}: this browser's signing key for the party (web/keys.js)
                hazardous: new Set(),  // the hazardous activity kinds, from GET /v1/rules
                now: Date.now(),       // the line's present time (GET /v1/whoami), which deadlines count from
                // "type:site", "party:russia", "state:withdrawn": what the legend turned off
                hidden: new Set(["state:withdrawn", "state:retired"]),
                drawing: false,        // clicks on the map add points to the plan
                labels: false,         // names shown on the map, not only on hover
                seen: null,            // the ids of the notices already shown, to cue new ones
                arrived: new Set() };  // the notices the last refresh cued, drawn flashing until the next

// --- the API -----------------------------------------------------------------

// Every request but a read is signed with the party's key, when this browser
// holds one (web/keys.js): once a party has keys the server refuses its
// unsigned acts.
async function api(method, path, body, extra = {}) {
  const headers = { Authorization: "Bearer " + state.token, ...extra };
  const text = body === undefined ? "" : JSON.stringify(body);
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && state.key) Object.assign(headers, await Keys.sign(state.key, method, path, text));
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : text });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((json.error && json.error.message) || res.status + " " + res.statusText);
  return json;
}

function say(text) { $("status").textContent = text; }
function fmt(t) { return t ? new Date(t).toISOString().replace(":00.000Z", "Z").replace("T", " ") : "open"; }
function km(m) { return Math.abs(m) < 1000 ? `${Math.round(m)} m` : `${(m / 1000).toFixed(1)} km`; }
function objectOf(id) { return state.objects.find((o) => o.properties.id === id); }
function nameOf(id) { const f = objectOf(id); return (f && f.properties.name) || id; }
function windowText(p) { return `${fmt(p.start)} to ${fmt(p.end)}`; }
function altitudeText(a) {
  if (!a) return "all altitudes";
  const lo = a.lower_m === undefined ? "the ground" : `${a.lower_m} m`, hi = a.upper_m === undefined ? "any height" : `${a.upper_m} m`;
  return `altitude ${lo} to ${hi}`;
}
function timeLeft(deadline) {
  const ms = Date.parse(deadline) - state.now;
  if (ms <= 0) return "the deadline has passed";
  const h = Math.floor(ms / HOUR), min = Math.round((ms % HOUR) / 60000);
  return h >= 48 ? `${Math.round(h / 24)} days left` : h >= 1 ? `${h} h ${min} min left` : `${min} min left`;
}
// One conflict as a person reads it: the two volumes by name, the rule, and
// how far inside the limit they come (for a volume the caller may see).
function conflictText(c) {
  const other = c.id ? nameOf(c.id) : `a protected site of ${c.party}`;
  const depth = c.distance_m === undefined ? "" : `, ${km(c.limit_m - c.distance_m)} inside the ${km(c.limit_m)} limit`;
  return `${nameOf(c.activity)} × ${other} (${c.party}): ${c.rule}${depth}`;
}

// --- the map -----------------------------------------------------------------

const map = L.map("map", { worldCopyJump: false, zoomSnap: 0.25 }).setView([33.5, 38.6], 8);
L.control.scale({ imperial: false }).addTo(map);
const objectLayer = L.layerGroup().addTo(map);
// Margins are drawn as pieces in a pane of their own, opaque inside and
// translucent as a whole, so that where pieces overlap the fill stays even.
map.createPane("margins").style.zIndex = "390";
// The plan is drawn above every volume, so that its points can be clicked.
map.createPane("plan").style.zIndex = "450";

async function drawBasemap() {
  const topo = await (await fetch("/vendor/countries-50m.json")).json();
  const countries = topojson.feature(topo, topo.objects.countries);
  L.geoJSON(countries, { interactive: false, style: { color: "#7a8793", weight: 0.8, fillColor: "#f3efe6", fillOpacity: 1 } })
    .addTo(map).bringToBack();
}

const PALETTE = ["#1f6feb", "#d73a49", "#2da44e", "#8250df", "#bf8700", "#0a7ea4", "#cf222e", "#6e7781"];
const FIXED = { coalition: "#1f6feb", russia: "#d73a49", un: "#0a7ea4", "partner-force": "#2da44e" };
function colorOf(party) {
  if (FIXED[party]) return FIXED[party];
  let h = 0;
  for (const c of party) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length];
}

function styleOf(f, inConflict) {
  const p = f.properties, color = colorOf(p.party);
  const hazardous = p.type === "activity" && state.hazardous.has(p.kind);
  const base = { color, weight: 2, fillColor: color, className: inConflict ? "in-conflict" : "" };
  if (p.type === "zone") return { ...base, dashArray: "8 6", fillOpacity: 0.04 };
  if (p.type === "site") return { ...base, weight: 3, fillOpacity: 0.45 };
  if (hazardous) return { ...base, weight: 3, dashArray: "2 4", fillOpacity: 0.3 };
  return { ...base, fillOpacity: 0.18 };
}

function activeAt(f, t) {
  const p = f.properties;
  const start = p.start ? Date.parse(p.start) : -Infinity, end = p.end ? Date.parse(p.end) : Infinity;
  return start <= t && t < end;
}

function currentTime() { return Number($("time").value); }

// The conflicts in force at t, each pair once (two activities that clash are
// each in the other's list).
function conflictsAt(t) {
  const out = [], seen = new Set();
  for (const [id, list] of Object.entries(state.conflicts)) {
    for (const c of list) {
      const start = c.start ? Date.parse(c.start) : -Infinity, end = c.end ? Date.parse(c.end) : Infinity;
      if (!(start <= t && t < end)) continue;
      const key = [id, c.id || "hidden " + c.party].sort().join(" ") + " " + c.rule;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ activity: id, ...c });
    }
  }
  return out;
}

function redraw() {
  const t = currentTime();
  $("time-label").textContent = fmt(t);
  const conflicts = conflictsAt(t);
  const involved = new Set(conflicts.flatMap((c) => [c.activity, c.id]));
  objectLayer.clearLayers();
  state.layers = {};
  state.margins = {};
  let drawn = 0;
  for (const f of state.objects) {
    const p = f.properties;
    if (!activeAt(f, t) || ["type:" + p.type, "party:" + p.party, "state:" + p.state].some((k) => state.hidden.has(k))) continue;
    const shape = Shapes.outline(f.geometry, p);
    if (!shape) continue;
    const style = styleOf(f, involved.has(p.id));
    const layer = shape.polygon ? L.polygon(shape.polygon, style) : L.polyline(shape.polyline, style);
    if (shape.margin && shape.margin.length) {
      state.margins[p.id] = L.polygon(shape.margin, { pane: "margins", stroke: false, fillColor: style.color,
                                                       fillOpacity: 1, interactive: false, className: "margin" })
        .addTo(objectLayer);
    }
    layer.bindTooltip(`${p.name || p.id} (${p.party}, ${p.kind || p.type})`,
                      { className: "label", permanent: state.labels, direction: "center", opacity: 0.85 });
    // Selecting, or a point of the plan when drawing: never both.
    layer.on("click", (e) => {
      L.DomEvent.stopPropagation(e);
      if (state.drawing) addPoint(e.latlng); else select(p.id);
    });
    layer.feature = f;
    layer.addTo(objectLayer);
    state.layers[f.properties.id] = layer;
    drawn++;
  }
  map.getContainer().dataset.drawn = String(drawn);  // for people's tools and the browser tests
  renderConflicts(conflicts);
}

function renderConflicts(conflicts) {
  $("conflict-count").textContent = conflicts.length ? `(${conflicts.length})` : "";
  const list = $("conflicts");
  list.replaceChildren();
  for (const c of conflicts) {
    const li = document.createElement("li");
    li.textContent = conflictText(c) + " ";
    li.append(showButton(c.activity));
    list.append(li);
  }
  if (!conflicts.length) list.append(Object.assign(document.createElement("li"), { textContent: "None." }));
}

// --- what the party may see ---------------------------------------------------

// Every page of a paged answer (the server pages lists: docs/http-api.md),
// each page's items taken by `take`.
async function allPages(path, take) {
  for (let after = ""; ;) {
    const page = await api("GET", path + (after ? "?after=" + encodeURIComponent(after) : ""));
    take(page);
    if (!page.next) return;
    after = page.next;
  }
}

async function collection(name) {
  const features = [];
  await allPages("/v1/" + name, (page) => features.push(...page.features));
  return { features };
}

// The conflicts of every activity the party sees, a page of activities per
// request; one too costly to check within a page is asked for alone.
async function loadConflicts() {
  const conflicts = {}, alone = [];
  await allPages("/v1/conflicts", (page) => {
    for (const a of page.activities) {
      if (a.error) alone.push(a.id); else conflicts[a.id] = a.conflicts;
    }
  });
  await Promise.all(alone.map(async (id) => {
    try {
      conflicts[id] = (await api("GET", `/v1/activities/${encodeURIComponent(id)}/conflicts`)).conflicts;
    } catch (e) {
      say(`The conflicts of ${id} are not known: ${e.message}`);
    }
  }));
  return conflicts;
}

async function loadObjects() {
  const [zones, sites, activities, conflicts] =
    await Promise.all([...["zones", "sites", "activities"].map(collection), loadConflicts()]);
  state.objects = [...zones.features, ...sites.features, ...activities.features];
  state.conflicts = conflicts;
  setTimeRange();
  drawLegend();
  redraw();
  // The notices name and explain the objects they are about: drawn again now
  // that those are here, whichever of the two requests came back first.
  renderLine();
}

// The legend: each type and each party with its colour, a checkbox each to show or hide them.
function drawLegend() {
  const box = $("legend");
  box.replaceChildren();
  const parties = [...new Set(state.objects.map((f) => f.properties.party))].sort();
  const entries = [["type:zone", "Zones (dashed)"], ["type:site", "Protected sites"], ["type:activity", "Activities"],
                   ["state:proposed", "Zones not yet agreed"], ["state:withdrawn", "Withdrawn activities"],
                   ["state:retired", "Retired sites and zones"], ...parties.map((p) => ["party:" + p, p])];
  for (const [key, text] of entries) {
    const label = document.createElement("label");
    const box_ = Object.assign(document.createElement("input"), { type: "checkbox", checked: !state.hidden.has(key) });
    box_.dataset.layer = key;
    box_.addEventListener("change", () => {
      if (box_.checked) state.hidden.delete(key); else state.hidden.add(key);
      redraw();
    });
    label.append(box_, " ");
    if (key.startsWith("party:")) {
      label.append(Object.assign(document.createElement("span"), { className: "swatch" }));
      label.lastChild.style.background = colorOf(text);
    }
    label.append(text);
    box.append(label);
  }
  const names = document.createElement("label");
  const namesBox = Object.assign(document.createElement("input"), { type: "checkbox", id: "labels", checked: state.labels });
  namesBox.addEventListener("change", () => { state.labels = namesBox.checked; redraw(); });
  names.append(namesBox, " Names on the map");
  box.append(names);
  const known = new Set([...parties, ...state.notices.flatMap((n) => [n.from, n.to])]);
  known.delete(state.party);
  $("parties").replaceChildren(...[...known].sort().map((p) => Object.assign(document.createElement("option"), { value: p })));
}

// A button that shows an object: its time on the slider, selected, in view.
function showButton(id) {
  const b = Object.assign(document.createElement("button"), { type: "button", textContent: "Show on map" });
  b.addEventListener("click", () => showOnMap(id));
  return b;
}

function showOnMap(id) {
  const f = objectOf(id);
  if (!f) return say(`${id} is not on your map.`);
  const slider = $("time"), start = f.properties.start ? Date.parse(f.properties.start) : Number(slider.value);
  if (start < Number(slider.min)) slider.min = String(start);
  if (start > Number(slider.max)) slider.max = String(start);
  if (!activeAt(f, Number(slider.value))) slider.value = String(start);
  redraw();
  select(id);
  const layer = state.layers[id];
  if (layer) map.fitBounds(layer.getBounds(), { maxZoom: 11 });
}

// The slider spans the activities, the plan and the line's present time, marked.
function setTimeRange() {
  const plan = [$("plan-start").value, $("plan-end").value].filter(Boolean).map((v) => Date.parse(v + ":00Z"));
  const times = state.objects.filter((f) => f.properties.type === "activity")
    .flatMap((f) => [Date.parse(f.properties.start), Date.parse(f.properties.end)])
    .concat(plan, [state.now]).filter(Number.isFinite);
  const slider = $("time"), lo = Math.min(...times), hi = Math.max(...times);
  const keep = Number(slider.value);
  slider.min = String(lo - (lo % HOUR));
  slider.max = String(hi);
  if (!(keep >= lo && keep <= hi)) slider.value = String(Math.min(hi, Math.max(lo, state.now)));
  $("time-marks").replaceChildren(Object.assign(document.createElement("option"), { value: String(state.now), label: "now" }));
  $("now-label").textContent = fmt(state.now);
}

function select(id) {
  state.selected = id;
  const f = state.objects.find((o) => o.properties.id === id);
  const box = $("details");
  box.replaceChildren();
  if (!f) return;
  const dl = document.createElement("dl");
  const p = f.properties;
  const rows = [["Name", p.name || p.id], ["Id", `${p.id} (version ${p.version})`], ["Party", p.party],
    ["What", `${p.type}${p.kind ? " (" + p.kind + ")" : ""}${p.state ? ", " + p.state : ""}`],
    ["Size", p.radius_m ? `radius ${km(p.radius_m)}` : p.buffer_m ? `${f.geometry.type === "LineString" ? "half-width" : "margin"} ${km(p.buffer_m)}` : "as drawn"],
    ["When", windowText(p)], ["Altitude", altitudeText(p.altitude)]];
  if (p.type === "zone") {
    rows.push(["Agreed by", (p.accepted || []).join(", ") || "no one yet"], ["Asked of", (p.agreed_by || []).join(", ") || "no one"],
              ["Permitted", (p.permitted || []).join(", ") || "no one"], ["Notice", p.notice_h !== undefined ? `${p.notice_h} h` : "none"]);
  }
  if (p.type === "site") rows.push(["Shared with", Array.isArray(p.share) ? p.share.join(", ") : "all"]);
  if (p.description) rows.push(["Description", p.description]);
  for (const [k, v] of rows) {
    dl.append(Object.assign(document.createElement("dt"), { textContent: k }),
              Object.assign(document.createElement("dd"), { textContent: String(v) }));
  }
  box.append(dl);
  const conflicts = state.conflicts[id] || [];
  box.append(Object.assign(document.createElement("h3"), { textContent: `Conflicts (${conflicts.length})` }));
  const ul = document.createElement("ul");
  ul.className = "list";
  for (const c of conflicts) {
    ul.append(Object.assign(document.createElement("li"),
      { textContent: `${conflictText({ activity: id, ...c })}, ${fmt(c.start)} to ${fmt(c.end)}` }));
  }
  box.append(ul);
  const notices = state.notices.filter((n) => (n.activity || n.zone) === id);
  box.append(Object.assign(document.createElement("h3"), { textContent: `Notices (${notices.length})` }));
  const nl = document.createElement("ul");
  nl.className = "list";
  for (const n of notices) nl.append(noticeItem(n, false));
  box.append(nl);
  const actions = document.createElement("div");
  actions.className = "buttons";
  if (p.party === state.party && p.state !== "withdrawn" && p.state !== "retired") {
    actions.append(button("Edit", () => edit(f)),
                   button(p.type === "activity" ? "Withdraw" : "Retire", () => withdraw(f)));
  }
  actions.append(button("History", () => history(id)));
  box.append(actions, Object.assign(document.createElement("ol"), { id: "history", className: "list" }));
}

function button(text, onClick) {
  const b = Object.assign(document.createElement("button"), { type: "button", textContent: text });
  b.addEventListener("click", onClick);
  return b;
}

const COLLECTION = { activity: "activities", site: "sites", zone: "zones" };

// Withdraws one's activity, or retires one's site or zone; those notified are told.
async function withdraw(f) {
  const p = f.properties;
  try {
    const res = await api("DELETE", `/v1/${COLLECTION[p.type]}/${encodeURIComponent(p.id)}`);
    say(`${p.name || p.id} ${p.type === "activity" ? "withdrawn" : "retired"}; ${res.notified} told.`);
    await Promise.all([loadObjects(), refreshLine()]);
  } catch (e) { say(e.message); }
}

// Loads one's object into the plan's form: Submit then replaces it (its next version).
function edit(f) {
  const p = f.properties, g = f.geometry;
  if (g.type === "MultiPolygon") return say("A MultiPolygon is edited through the API or the CLI.");
  state.editing = { id: p.id, version: p.version, type: p.type };
  $("plan-type").value = p.type;
  $("plan-name").value = p.name || "";
  $("plan-shape").value = g.type === "Point" ? "circle" : g.type === "Polygon" ? "polygon" : "corridor";
  $("plan-radius").value = String(p.radius_m || p.buffer_m || 0);
  if (p.type === "activity") $("plan-kind").value = p.kind;
  if (p.type === "site") { $("plan-site-kind").value = p.kind || ""; $("plan-share").value = Array.isArray(p.share) ? p.share.join(", ") : "all"; }
  if (p.type === "zone") {
    $("plan-zone-kind").value = p.kind;
    $("plan-agreed").value = (p.agreed_by || []).join(", ");
    $("plan-permitted").value = (p.permitted || []).join(", ");
    $("plan-notice").value = String(p.notice_h ?? 0);
  }
  const local = (t) => (t ? t.slice(0, 16) : "");
  $("plan-start").value = local(p.start);
  $("plan-end").value = local(p.end);
  $("plan-lower").value = String(p.altitude && p.altitude.lower_m !== undefined ? p.altitude.lower_m : 0);
  $("plan-upper").value = String(p.altitude && p.altitude.upper_m !== undefined ? p.altitude.upper_m : 10000);
  const coords = g.type === "Point" ? [g.coordinates] : g.type === "Polygon" ? g.coordinates[0].slice(0, -1) : g.coordinates;
  state.plan = coords.map(([lon, lat]) => L.latLng(lat, lon));
  showPlanFields();
  drawPlan();
  $("plan-submit").textContent = `Replace ${p.name || p.id}`;
  say(`Editing ${p.name || p.id} (version ${p.version}): change it, then replace it.`);
  $("plan-title").scrollIntoView();
}

// What the record holds of an object, as the caller may read it: every act on it, oldest first.
async function history(id) {
  const list_ = $("history");
  const entries = [];
  for (let after = 0; ;) {
    const page = await api("GET", `/v1/record?after=${after}`);
    if (!page.entries.length) break;
    entries.push(...page.entries.filter((e) => e.subject === id || (e.change && (e.change.activity === id || e.change.id === id))));
    after = page.entries[page.entries.length - 1].seq;
  }
  list_.replaceChildren(...entries.map((e) => Object.assign(document.createElement("li"),
    { textContent: `${fmt(e.time)} ${e.action} by ${e.party}` + (e.statement ? " (signed)" : "") })));
  if (!entries.length) list_.append(Object.assign(document.createElement("li"), { textContent: "Nothing you may read." }));
}

// --- the line -------------------------------------------------------------------

// A notice as its reader needs it: what it is about (name, kind, window,
// altitude), why (the rules and how far inside the limit), its state, the
// deadline and the time left, whether it reached its party, and the answers.
function noticeItem(n, answerable) {
  const li = document.createElement("li");
  li.dataset.notice = n.id;
  if (answerable && n.state === "pending" && state.arrived.has(n.id)) li.classList.add("arrived");
  const proposal = n.about === "zone";
  const subject = proposal ? n.zone : n.activity, f = objectOf(subject), p = f ? f.properties : {};
  const st = Object.assign(document.createElement("span"), { className: "state state-" + n.state, textContent: n.state });
  const head = document.createElement("div");
  head.append(Object.assign(document.createElement("strong"), { textContent: p.name || subject }),
    ` ${proposal ? "zone to agree to" : p.kind || "activity"}, ${n.from} → ${n.to}, version ${proposal ? n.zone_version : n.activity_version} `, st);
  li.append(head);
  const facts = f ? [windowText(p), altitudeText(p.altitude)] : [];
  if (!proposal) {
    for (const c of (state.conflicts[n.activity] || []).filter((c) => c.party === n.to)) {
      facts.push(conflictText({ activity: n.activity, ...c }).replace(/^.* × /, "meets "));
    }
  }
  if (n.state === "pending" || n.state === "overdue") facts.push(`answer by ${fmt(n.deadline)} (${timeLeft(n.deadline)})`);
  else if (n.answered) facts.push(`answered ${fmt(n.answered)}`);
  facts.push(n.delivered ? `reached ${n.to} ${fmt(n.delivered)}` : `not yet read by ${n.to}`);
  li.append(Object.assign(document.createElement("div"), { className: "facts", textContent: facts.join(" · ") }));
  if (n.text) li.append(Object.assign(document.createElement("div"), { textContent: `“${n.text}”` }));
  li.append(showButton(subject), button("Save receipt", () => receipt(n)));
  if (answerable && (n.state === "pending" || n.state === "overdue")) {
    // A zone's proposal is answered by accepting the zone (it binds the party
    // from then on) or declining it with a reason; another notice by
    // acknowledging it or objecting with a text.
    li.append(proposal
      ? answerRow(n.id, ["Accept zone", () => answerZone(n.zone, "accept")],
                  ["Reason", "decline-", "why not"], ["Decline zone", (text) => answerZone(n.zone, "decline", text)])
      : answerRow(n.id, ["Acknowledge", () => answer(n.id, "ack")],
                  ["Objection", "objection-", "why"], ["Object", (text) => answer(n.id, "object", text)]));
  }
  return li;
}

// A notice's receipt: its proof from the record, saved as a file that
// `deconflict record verify-proof` checks offline, and a printable summary.
async function receipt(n) {
  try {
    const proof = await api("GET", `/v1/notices/${encodeURIComponent(n.id)}/proof`);
    const file = new Blob([JSON.stringify(proof, null, 2) + "\n"], { type: "application/json" });
    const a = Object.assign(document.createElement("a"), { href: URL.createObjectURL(file), download: `${n.id}.proof.json` });
    document.body.append(a);
    a.click();
    a.remove();
    const box = $("receipt");
    box.replaceChildren(
      Object.assign(document.createElement("h2"), { textContent: `Receipt of notice ${n.id}` }),
      Object.assign(document.createElement("p"), { textContent:
        `${n.from} notified ${n.to} of ${nameOf(n.activity || n.zone)} (version ${n.activity_version || n.zone_version}) ` +
        `at ${fmt(n.created)}; answer by ${fmt(n.deadline)}. State: ${n.state}` + (n.answered ? ` at ${fmt(n.answered)}` : "") +
        (n.text ? `, “${n.text}”` : "") + `. ${n.delivered ? "It reached " + n.to + " at " + fmt(n.delivered) : "It has not reached " + n.to}.` }),
      Object.assign(document.createElement("p"), { textContent:
        `Proof saved as ${n.id}.proof.json: check it offline with deconflict record verify-proof ${n.id}.proof.json --key <the log's key>.` }),
      button("Print", () => window.print()));
    box.hidden = false;
    say(`Receipt of ${n.id} saved.`);
  } catch (e) { say("Receipt: " + e.message); }
}

// A notice's answers: a button that says yes, and a text with a button that says no.
function answerRow(id, [yesLabel, yes], [textLabel, textId, placeholder], [noLabel, no]) {
  const ok = Object.assign(document.createElement("button"), { type: "button", textContent: yesLabel });
  ok.addEventListener("click", yes);
  const label = Object.assign(document.createElement("label"), { textContent: textLabel, htmlFor: textId + id });
  const text = Object.assign(document.createElement("input"), { id: textId + id, placeholder });
  const refuse = Object.assign(document.createElement("button"), { type: "button", textContent: noLabel });
  refuse.addEventListener("click", () => no(text.value));
  const row = document.createElement("div");
  row.append(ok, label, " ", text, refuse);
  return row;
}

async function answerZone(id, how, text) {
  try {
    await api("POST", `/v1/zones/${encodeURIComponent(id)}/${how}`, text ? { text } : {});
    say(how === "accept" ? `Zone ${id} accepted: it binds you from now on.` : `Zone ${id} declined.`);
    await Promise.all([refreshLine(), loadObjects()]);
  } catch (e) { say(e.message); }
}

async function answer(id, how, text) {
  try {
    if (how === "object" && !text) return say("An objection needs a text.");
    await api("POST", `/v1/notices/${encodeURIComponent(id)}/${how}`, how === "object" ? { text } : {});
    say(how === "ack" ? "Acknowledged (acknowledgement is not approval)." : "Objection sent.");
    await refreshLine();
  } catch (e) { say(e.message); }
}

async function refreshLine() {
  const notices = [], messages = [];
  const [whoami] = await Promise.all([api("GET", "/v1/whoami"),
    allPages("/v1/notices", (page) => notices.push(...page.notices)),
    allPages("/v1/messages", (page) => messages.push(...page.messages))]);
  state.now = Date.parse(whoami.now);
  state.notices = notices;
  state.messages = messages;
  const fresh = state.seen ? inbox().filter((n) => !state.seen.has(n.id) && n.state === "pending") : [];
  state.arrived = new Set(fresh.map((n) => n.id));
  renderLine();
  for (const n of fresh) cue(n);
  state.seen = new Set(state.notices.map((n) => n.id));
  $("now-label").textContent = fmt(state.now);
  if (state.selected) select(state.selected);
}

// A notice of a version since replaced cannot be answered: shown only when asked for.
function shownNotice(n) { return n.state !== "superseded" || $("show-superseded").checked; }
function inbox() { return state.notices.filter((n) => n.to === state.party && shownNotice(n)); }

// The inbox, the notices sent and the messages, from what was last loaded.
function renderLine() {
  const received = inbox();
  $("inbox").replaceChildren(...received.map((n) => noticeItem(n, true)));
  $("sent").replaceChildren(...state.notices.filter((n) => n.from === state.party && shownNotice(n)).map((n) => noticeItem(n, false)));
  $("messages").replaceChildren(...state.messages.map((m) => Object.assign(document.createElement("li"),
    { textContent: `${fmt(m.created)} ${m.from} → ${m.to}: ${m.text}` + (m.about ? ` (about ${nameOf(m.about)})` : "") })));
  const waiting = received.filter((n) => n.state === "pending" || n.state === "overdue").length;
  $("unread").textContent = waiting ? `(${waiting} to answer)` : "";
  document.title = (waiting ? `(${waiting}) ` : "") + "deconflict";
}

// A notice that has just arrived: its item flashes, the status says so, and a short tone sounds.
function cue(n) {
  say(`New notice from ${n.from}: ${nameOf(n.activity || n.zone)}.`);
  try {
    const audio = new AudioContext(), tone = audio.createOscillator(), gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.value = 0.1;
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.15);
  } catch (_) { /* no sound here: the status and the flash say it */ }
}

// Server-sent events through fetch, which (unlike EventSource) sends the token.
async function follow() {
  const controller = new AbortController();
  state.stream = controller;
  try {
    const res = await fetch("/v1/events?after=now", {
      headers: { Authorization: "Bearer " + state.token }, signal: controller.signal });
    const reader = res.body.getReader(), decoder = new TextDecoder();
    let buffer = "", pending = null;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      if (!buffer.includes("\n\n")) continue;
      buffer = buffer.slice(buffer.lastIndexOf("\n\n") + 2);
      clearTimeout(pending);
      // The objects first: a notice is explained by the object it is about.
      pending = setTimeout(() => loadObjects().then(refreshLine).catch((e) => say(e.message)), 150);
    }
  } catch (e) {
    if (e.name !== "AbortError") setTimeout(follow, 3000);
  }
}

// --- planning -------------------------------------------------------------------

function list(text) { return text.split(/[\s,;]+/).filter(Boolean); }

// The plan's geometry and size from its points; throws what is missing.
function planGeometry() {
  const shape = $("plan-shape").value, r = Number($("plan-radius").value);
  const pts = state.plan.map((p) => [Number(p.lng.toFixed(6)), Number(p.lat.toFixed(6))]);
  if (shape === "circle") {
    if (pts.length < 1) throw new Error("Give the circle's centre: draw on the map or add a point.");
    return [{ type: "Point", coordinates: pts[pts.length - 1] }, { radius_m: r }];
  }
  if (shape === "polygon") {
    if (pts.length < 3) throw new Error("A polygon needs at least three points.");
    return [{ type: "Polygon", coordinates: [[...pts, pts[0]]] }, { buffer_m: r }];
  }
  if (pts.length < 2) throw new Error("A corridor needs at least two points.");
  return [{ type: "LineString", coordinates: pts }, { buffer_m: r }];
}

// The feature the form describes: an activity, a protected site or a zone.
function planFeature() {
  const type = $("plan-type").value;
  const [geometry, props] = planGeometry();
  const start = $("plan-start").value, end = $("plan-end").value;
  if (type === "activity" && (!start || !end)) throw new Error("Give the activity a start and an end.");
  if (start) props.start = start + ":00Z";
  if (end) props.end = end + ":00Z";
  if ($("plan-name").value.trim()) props.name = $("plan-name").value.trim();
  props.altitude = { lower_m: Number($("plan-lower").value), upper_m: Number($("plan-upper").value) };
  if (type === "activity") props.kind = $("plan-kind").value;
  if (type === "site") {
    const share = list($("plan-share").value);
    Object.assign(props, { kind: $("plan-site-kind").value.trim(), share: share.length === 0 || share[0] === "all" ? "all" : share });
  }
  if (type === "zone") {
    Object.assign(props, { kind: $("plan-zone-kind").value, agreed_by: list($("plan-agreed").value),
                           permitted: list($("plan-permitted").value), notice_h: Number($("plan-notice").value) });
  }
  return { type: "Feature", geometry, properties: props };
}

// The plan as it stands: its points, and its true outline once it has enough.
function drawPlan() {
  if (state.planLayer) state.planLayer.remove();
  const n = state.plan.length;
  $("plan-points").textContent = n ? `${n} point(s).` : "No points yet.";
  // When drawing, a point is dragged to move it, and a click takes it out of the plan.
  const group = L.layerGroup(state.plan.map((p, i) => state.drawing
    ? L.marker(p, { draggable: true, pane: "plan", keyboard: true, title: `Point ${i + 1}: drag to move, click to remove`,
                    icon: L.divIcon({ className: "plan-point", iconSize: [12, 12] }) })
        .on("click", (e) => { L.DomEvent.stopPropagation(e); state.plan.splice(i, 1); drawPlan(); })
        .on("dragend", (e) => { state.plan[i] = e.target.getLatLng(); drawPlan(); })
    : L.circleMarker(p, { radius: 5, color: "#000", interactive: false, pane: "plan" })));
  try {
    const [geometry, size] = planGeometry();
    const shape = Shapes.outline(geometry, size);
    const style = { color: "#000", weight: 2, dashArray: "4 4", fillOpacity: 0.1, interactive: false, pane: "plan" };
    group.addLayer(shape.polygon ? L.polygon(shape.polygon, style) : L.polyline(shape.polyline, style));
    for (const piece of shape.margin || []) group.addLayer(L.polygon(piece, { ...style, weight: 0, fillOpacity: 0.06 }));
  } catch (_) { /* not enough points yet: the points alone */ }
  state.planLayer = group.addTo(map);
  map.getContainer().dataset.planned = String(n);
}

function addPoint(latlng) {
  if ($("plan-shape").value === "circle") state.plan = [];
  state.plan.push(latlng);
  drawPlan();
}

async function planCheck(submit) {
  const list_ = $("plan-conflicts");
  try {
    const f = planFeature(), type = $("plan-type").value, editing = state.editing;
    const res = !submit ? await api("POST", "/v1/check", f)
      : editing ? await api("PUT", `/v1/${COLLECTION[type]}/${encodeURIComponent(editing.id)}`, f, { "If-Match": `"${editing.version}"` })
      : await api("POST", "/v1/" + COLLECTION[type], f);
    list_.replaceChildren(...res.conflicts.map((c) => Object.assign(document.createElement("li"),
      { textContent: `${c.rule} with ${c.id ? nameOf(c.id) + " (" + c.id + ")" : "a protected site"} (${c.party})` +
                     (c.distance_m === undefined ? "" : `, ${km(c.limit_m - c.distance_m)} inside the ${km(c.limit_m)} limit`) })));
    if (!res.conflicts.length) list_.append(Object.assign(document.createElement("li"), { textContent: "No conflicts." }));
    if (submit) {
      const p = res.feature.properties;
      say(`${editing ? "Replaced" : "Submitted"} ${p.id}${editing ? " (version " + p.version + ")" : ""}: ${res.notices.length} notice(s) sent.`);
      stopEditing();
      state.plan = [];
      drawPlan();
      await Promise.all([loadObjects(), refreshLine(), showKey()]);
    } else {
      say(`${res.conflicts.length} conflict(s); nothing was stored.`);
    }
  } catch (e) { say(e.message); }
}

// Only the fields of what is declared are shown; only an activity is checked ahead.
function showPlanFields() {
  const type = $("plan-type").value;
  for (const e of document.querySelectorAll("[data-for]")) e.hidden = !e.dataset.for.split(" ").includes(type);
  $("plan-check").disabled = type !== "activity";
}

map.on("click", (e) => { if (state.party && state.drawing) addPoint(e.latlng); });
$("plan-draw").addEventListener("click", () => {
  state.drawing = !state.drawing;
  $("plan-draw").setAttribute("aria-pressed", String(state.drawing));
  $("plan-draw").textContent = state.drawing ? "Stop drawing" : "Draw on the map";
  map.getContainer().classList.toggle("drawing", state.drawing);
  drawPlan();
});
$("plan-add").addEventListener("click", async () => {
  const text = $("plan-at").value.trim();
  if (!text) return say("Write a position first: decimal degrees, DMS, MGRS or UTM.");
  try {
    const pos = await api("GET", "/v1/position?q=" + encodeURIComponent(text));
    const at = L.latLng(pos.position[1], pos.position[0]);
    addPoint(at);
    map.panTo(at);
    say(pos.square_m ? `${text} names a square of ${pos.square_m} m: its centre was added.` : `Added ${pos.grids.mgrs}.`);
  } catch (e) { say("Position: " + e.message); }
});
$("plan-undo").addEventListener("click", () => { state.plan.pop(); drawPlan(); });
for (const id of ["plan-shape", "plan-radius"]) $(id).addEventListener("change", drawPlan);
for (const id of ["plan-start", "plan-end"]) $(id).addEventListener("change", () => { setTimeRange(); redraw(); });
$("plan-type").addEventListener("change", showPlanFields);
$("plan-check").addEventListener("click", () => planCheck(false));
$("plan-submit").addEventListener("click", () => planCheck(true));
$("plan-clear").addEventListener("click", () => { stopEditing(); state.plan = []; drawPlan(); $("plan-conflicts").replaceChildren(); });

function stopEditing() {
  state.editing = null;
  $("plan-submit").textContent = "Submit";
}
$("show-superseded").addEventListener("change", () => refreshLine().catch((e) => say(e.message)));
showPlanFields();

// --- the pointer's position, in the grid chosen --------------------------------

let pointer = null, asking = false;
map.on("mousemove", (e) => { pointer = e.latlng; });
setInterval(async () => {
  if (!pointer || asking || !state.token || !state.party) return;
  const at = pointer;
  pointer = null;
  asking = true;
  try {
    const pos = await api("GET", `/v1/position?q=${at.lat.toFixed(6)},${at.lng.toFixed(6)}&digits=4`);
    $("cursor").textContent = pos.grids[$("grid").value];
  } catch (_) { /* off the grid: nothing to show */ }
  asking = false;
}, 300);

// --- time ------------------------------------------------------------------------

$("time").addEventListener("input", redraw);
$("now").addEventListener("click", () => { $("time").value = String(state.now); redraw(); });
$("play").addEventListener("click", () => {
  const button = $("play");
  if (state.timer) {
    clearInterval(state.timer);
    state.timer = null;
  } else {
    state.timer = setInterval(() => {
      const s = $("time"), next = Number(s.value) + 6 * HOUR;
      s.value = String(next > Number(s.max) ? s.min : next);
      redraw();
    }, 500);
  }
  button.textContent = state.timer ? "Pause" : "Play";
  button.setAttribute("aria-pressed", String(!!state.timer));
});

// --- the signing key -------------------------------------------------------------

// What the key panel says: the key this browser signs with, or how to get one.
async function showKey() {
  const registered = (await api("GET", "/v1/keys")).keys.map((k) => k.public_key);
  const held = state.key && registered.includes(state.key.publicHex);
  $("key-status").textContent = held
    ? `Your acts are signed with key ${state.key.publicHex.slice(0, 12)}… (kept in this browser).`
    : state.key ? `This browser's key ${state.key.publicHex.slice(0, 12)}… is not registered for ${state.party}: acts are refused.`
    : registered.length ? `${state.party} has ${registered.length} signing key(s), none in this browser: import a key file to act.`
    : `${state.party} has no signing key: acts carry the token alone. Create or import one to sign them.`;
  $("key-create").hidden = !!state.key || registered.length > 0;
  $("key-forget").hidden = !state.key;
  $("keys").hidden = false;
}

// Registers `key` (unless the party holds it already) and signs with it from now on.
async function useKey(key, name) {
  const registered = (await api("GET", "/v1/keys")).keys.map((k) => k.public_key);
  if (!registered.includes(key.publicHex)) {
    if (registered.length && !state.key) {
      throw new Error(`${state.party} has keys already; a new one must be registered with one of them ` +
                      "(deconflict party key add --sign-key), or import a key file it holds");
    }
    await api("POST", "/v1/keys", { public_key: key.publicHex, name });
  }
  await Keys.keep(state.party, key);
  state.key = key;
  await showKey();
}

$("key-create").addEventListener("click", async () => {
  try {
    await useKey(await Keys.create(), "browser");
    say("A signing key was made in this browser and registered; it cannot be copied out of it.");
  } catch (e) { say(e.message); }
});
$("key-file").addEventListener("change", async (e) => {
  const file = e.target.files[0];
  e.target.value = "";
  if (!file) return;
  try {
    await useKey(await Keys.importFile(await file.text()), "browser import");
    say("The key was imported; your acts are signed with it.");
  } catch (err) { say("Key: " + err.message); }
});
$("key-forget").addEventListener("click", async () => {
  await Keys.forget(state.party);
  state.key = null;
  await showKey().catch((e) => say(e.message));
});

// --- signing in ---------------------------------------------------------------------

async function signIn(token) {
  state.token = token;
  try {
    const [party, rules] = await Promise.all([api("GET", "/v1/whoami"), api("GET", "/v1/rules")]);
    state.party = party.id;
    state.now = Date.parse(party.now);
    state.hazardous = new Set(rules.hazardous_kinds);
    state.key = await Keys.load(party.id).catch(() => null);
    sessionStorage.setItem("token", token);
    $("party-name").textContent = party.name || party.id;
    $("signin").hidden = true;
    $("whoami").hidden = false;
    say("");
    await Promise.all([loadObjects(), refreshLine(), showKey()]);
    const layers = Object.values(state.layers);
    if (layers.length) map.fitBounds(L.featureGroup(layers).getBounds(), { maxZoom: 10 });
    follow();
  } catch (e) {
    state.token = "";
    sessionStorage.removeItem("token");
    say("Sign-in failed: " + e.message);
  }
}

$("signin").addEventListener("submit", (e) => { e.preventDefault(); signIn($("token").value.trim()); });
$("signin").querySelector("button").disabled = false;
$("signout").addEventListener("click", () => { sessionStorage.removeItem("token"); location.reload(); });
$("message-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    await api("POST", "/v1/messages", { to: $("message-to").value.trim(), text: $("message-text").value });
    $("message-text").value = "";
    await refreshLine();
  } catch (err) { say(err.message); }
});

drawBasemap().catch((e) => say("Basemap: " + e.message));
if (state.token) signIn(state.token); else say("Sign in with your party's token.");
