// The map page of deconflict serve: what a party may see, on a basemap of
// Natural Earth boundaries, in time; its inbox of notices; planning an
// activity. Everything goes through the HTTP/JSON API with the party's token.
"use strict";

const $ = (id) => document.getElementById(id);
const HOUR = 3600 * 1000;
const state = { token: sessionStorage.getItem("token") || "", party: "", objects: [], conflicts: {}, notices: [],
                messages: [], layers: {}, selected: null, plan: [], planLayer: null, timer: null, stream: null,
                key: null,  // {privateKey, publicHex}: this browser's signing key for the party (web/keys.js)
                hazardous: new Set() };  // the hazardous activity kinds, from GET /v1/rules

// --- the API -----------------------------------------------------------------

// Every request but a read is signed with the party's key, when this browser
// holds one (web/keys.js): once a party has keys the server refuses its
// unsigned acts.
async function api(method, path, body) {
  const headers = { Authorization: "Bearer " + state.token };
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

// --- the map -----------------------------------------------------------------

const map = L.map("map", { worldCopyJump: false, zoomSnap: 0.25 }).setView([33.5, 38.6], 8);
L.control.scale({ imperial: false }).addTo(map);
const objectLayer = L.layerGroup().addTo(map);

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

function conflictsAt(t) {
  const out = [];
  for (const [id, list] of Object.entries(state.conflicts)) {
    for (const c of list) {
      if (Date.parse(c.start) <= t && t < Date.parse(c.end)) out.push({ activity: id, ...c });
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
  let drawn = 0;
  for (const f of state.objects) {
    if (!activeAt(f, t)) continue;
    const shape = Shapes.outline(f.geometry, f.properties);
    if (!shape) continue;
    const style = styleOf(f, involved.has(f.properties.id));
    const layer = shape.polygon ? L.polygon(shape.polygon, style) : L.polyline(shape.polyline, style);
    layer.bindTooltip(`${f.properties.name || f.properties.id} (${f.properties.party}, ${f.properties.kind || f.properties.type})`);
    layer.on("click", () => select(f.properties.id));
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
    li.textContent = `${c.activity} × ${c.id || "a site not shared with you"} (${c.party}): ${c.rule}` +
      (c.distance_m !== undefined ? `, ${Math.round(c.distance_m)} m apart of ${Math.round(c.limit_m)} m` : "");
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
  redraw();
}

function setTimeRange() {
  const times = state.objects.filter((f) => f.properties.type === "activity")
    .flatMap((f) => [Date.parse(f.properties.start), Date.parse(f.properties.end)]).filter(Number.isFinite);
  if (!times.length) return;
  const slider = $("time"), lo = Math.min(...times), hi = Math.max(...times);
  const keep = Number(slider.value);
  slider.min = String(lo - (lo % HOUR));
  slider.max = String(hi);
  if (!(keep >= lo && keep <= hi)) slider.value = String(lo - (lo % HOUR));
}

function select(id) {
  state.selected = id;
  const f = state.objects.find((o) => o.properties.id === id);
  const box = $("details");
  box.replaceChildren();
  if (!f) return;
  const dl = document.createElement("dl");
  for (const [k, v] of Object.entries(f.properties)) {
    dl.append(Object.assign(document.createElement("dt"), { textContent: k }),
              Object.assign(document.createElement("dd"), { textContent: typeof v === "object" ? JSON.stringify(v) : String(v) }));
  }
  box.append(dl);
  const conflicts = state.conflicts[id] || [];
  box.append(Object.assign(document.createElement("h3"), { textContent: `Conflicts (${conflicts.length})` }));
  const ul = document.createElement("ul");
  ul.className = "list";
  for (const c of conflicts) {
    ul.append(Object.assign(document.createElement("li"),
      { textContent: `${c.rule} with ${c.id || "a site not shared with you"} (${c.party}), ${fmt(c.start)} to ${fmt(c.end)}` }));
  }
  box.append(ul);
  const notices = state.notices.filter((n) => (n.activity || n.zone) === id);
  box.append(Object.assign(document.createElement("h3"), { textContent: `Notices (${notices.length})` }));
  const nl = document.createElement("ul");
  nl.className = "list";
  for (const n of notices) nl.append(noticeItem(n, false));
  box.append(nl);
}

// --- the line -------------------------------------------------------------------

function noticeItem(n, answerable) {
  const li = document.createElement("li");
  li.dataset.notice = n.id;
  const st = Object.assign(document.createElement("span"), { className: "state state-" + n.state, textContent: n.state });
  const proposal = n.about === "zone";
  li.append(proposal ? `${n.from} → ${n.to}: asks to agree to zone ${n.zone} v${n.zone_version}, answer by ${fmt(n.deadline)} `
                     : `${n.from} → ${n.to}: activity ${n.activity} v${n.activity_version}, answer by ${fmt(n.deadline)} `, st);
  if (n.text) li.append(` “${n.text}”`);
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
  await Promise.all([allPages("/v1/notices", (page) => notices.push(...page.notices)),
                     allPages("/v1/messages", (page) => messages.push(...page.messages))]);
  state.notices = notices;
  state.messages = messages;
  $("inbox").replaceChildren(...state.notices.filter((n) => n.to === state.party).map((n) => noticeItem(n, true)));
  $("sent").replaceChildren(...state.notices.filter((n) => n.from === state.party).map((n) => noticeItem(n, false)));
  $("messages").replaceChildren(...state.messages.map((m) => Object.assign(document.createElement("li"),
    { textContent: `${fmt(m.created)} ${m.from} → ${m.to}: ${m.text}` + (m.about ? ` (about ${m.about})` : "") })));
  if (state.selected) select(state.selected);
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
      pending = setTimeout(() => Promise.all([refreshLine(), loadObjects()]).catch((e) => say(e.message)), 150);
    }
  } catch (e) {
    if (e.name !== "AbortError") setTimeout(follow, 3000);
  }
}

// --- planning -------------------------------------------------------------------

function planFeature() {
  const shape = $("plan-shape").value, r = Number($("plan-radius").value);
  const pts = state.plan.map((p) => [Number(p.lng.toFixed(6)), Number(p.lat.toFixed(6))]);
  let geometry, props = {};
  if (shape === "circle") {
    if (pts.length < 1) throw new Error("Click the map for the circle's centre.");
    geometry = { type: "Point", coordinates: pts[pts.length - 1] };
    props.radius_m = r;
  } else if (shape === "polygon") {
    if (pts.length < 3) throw new Error("A polygon needs at least three points.");
    geometry = { type: "Polygon", coordinates: [[...pts, pts[0]]] };
  } else {
    if (pts.length < 2) throw new Error("A corridor needs at least two points.");
    geometry = { type: "LineString", coordinates: pts };
    props.buffer_m = r;
  }
  const start = $("plan-start").value, end = $("plan-end").value;
  if (!start || !end) throw new Error("Give the activity a start and an end.");
  Object.assign(props, { kind: $("plan-kind").value, start: start + ":00Z", end: end + ":00Z",
    altitude: { lower_m: Number($("plan-lower").value), upper_m: Number($("plan-upper").value) } });
  return { type: "Feature", geometry, properties: props };
}

function drawPlan() {
  if (state.planLayer) state.planLayer.remove();
  state.planLayer = null;
  $("plan-points").textContent = state.plan.length ? `${state.plan.length} point(s).` : "No points yet.";
  if (!state.plan.length) return;
  try {
    const f = planFeature();
    const shape = Shapes.outline(f.geometry, f.properties);
    const style = { color: "#000", weight: 2, dashArray: "4 4", fillOpacity: 0.1 };
    state.planLayer = (shape.polygon ? L.polygon(shape.polygon, style) : L.polyline(shape.polyline, style)).addTo(map);
  } catch (_) {
    state.planLayer = L.layerGroup(state.plan.map((p) => L.circleMarker(p, { radius: 4, color: "#000" }))).addTo(map);
  }
}

async function planCheck(submit) {
  const list = $("plan-conflicts");
  try {
    const f = planFeature();
    const res = submit ? await api("POST", "/v1/activities", f) : await api("POST", "/v1/check", f);
    list.replaceChildren(...res.conflicts.map((c) => Object.assign(document.createElement("li"),
      { textContent: `${c.rule} with ${c.id || "a site not shared with you"} (${c.party})` })));
    if (!res.conflicts.length) list.append(Object.assign(document.createElement("li"), { textContent: "No conflicts." }));
    if (submit) {
      say(`Submitted ${res.feature.properties.id}: ${res.notices.length} notice(s) sent.`);
      state.plan = [];
      drawPlan();
      await Promise.all([loadObjects(), refreshLine(), showKey()]);
    } else {
      say(`${res.conflicts.length} conflict(s); nothing was stored.`);
    }
  } catch (e) { say(e.message); }
}

map.on("click", (e) => {
  if (!state.party) return;
  if ($("plan-shape").value === "circle") state.plan = [];
  state.plan.push(e.latlng);
  drawPlan();
});
for (const id of ["plan-shape", "plan-radius"]) $(id).addEventListener("change", drawPlan);
$("plan-check").addEventListener("click", () => planCheck(false));
$("plan-submit").addEventListener("click", () => planCheck(true));
$("plan-clear").addEventListener("click", () => { state.plan = []; drawPlan(); $("plan-conflicts").replaceChildren(); });

// --- time ------------------------------------------------------------------------

$("time").addEventListener("input", redraw);
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
