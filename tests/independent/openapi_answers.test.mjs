// The real server's answers against docs/openapi.yaml: a scripted session of
// good and bad requests over every kind of endpoint, each answer's status
// declared by its operation in the document, and each JSON answer valid
// against the schema given for that status (ajv, from npm, with the document
// dereferenced by @apidevtools/swagger-parser). The document cannot promise
// what the server does not give. Usage: node openapi_answers.test.mjs DECONFLICT SOURCE_DIR
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import assert from "node:assert/strict";

const [bin, source] = process.argv.slice(2);
const require = createRequire(path.join(source, "web", "package.json"));
const SwaggerParser = require("@apidevtools/swagger-parser");
const Ajv = require("ajv");
const addFormats = require("ajv-formats");

const api = await SwaggerParser.dereference(path.join(source, "docs", "openapi.yaml"));
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);

const dir = mkdtempSync(path.join(tmpdir(), "deconflict-openapi-"));
const db = path.join(dir, "line.db");
const run = (...args) => execFileSync(bin, [...args, "--db", db], { stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
run("import", path.join(source, "scenarios", "at-tanf-2018.geojson"));
const token = { coalition: run("party", "add", "coalition"), russia: run("party", "add", "russia"),
                ops: run("party", "add", "ops", "--admin") };

const child = spawn(bin, ["serve", "--db", db, "--listen", "127.0.0.1:0", "--simulated-clock", "2018-09-01T00:00:00Z"],
                    { stdio: ["ignore", "ignore", "pipe"] });
const url = await new Promise((resolve, reject) => {
  let err = "";
  child.on("exit", (code) => reject(new Error("the server ended with " + code + ":\n" + err)));
  child.stderr.on("data", (chunk) => {
    err += chunk;
    const m = err.match(/listening on (http:\/\/[0-9.]+:[0-9]+)/);
    if (m) resolve(m[1]);
  });
});

// The operation of the document that a request's path and method fall under.
function operation(method, target) {
  const route = target.split("?")[0];
  for (const [template, item] of Object.entries(api.paths)) {
    const pattern = new RegExp("^" + template.replace(/\{[^}]+\}/g, "[^/]+") + "$");
    if (pattern.test(route) && item[method.toLowerCase()]) return { template, op: item[method.toLowerCase()] };
  }
  return null;
}

const seen = new Set();
async function call(method, target, party, body, headers = {}) {
  const h = { ...headers };
  if (party) h.authorization = "Bearer " + token[party];
  if (body !== undefined) h["content-type"] = "application/json";
  const res = await fetch(url + target, { method, headers: h, body });
  const text = await res.text();
  const found = operation(method, target);
  const name = `${method} ${target} (${res.status})`;
  assert.ok(found, `${name}: no operation of the document`);
  seen.add(`${method} ${found.template}`);
  const answer = found.op.responses[String(res.status)];
  assert.ok(answer, `${name}: the status is not declared by ${method} ${found.template}: ${text.slice(0, 200)}`);
  const json = answer.content?.["application/json"];
  if (json && (res.headers.get("content-type") ?? "").includes("json")) {
    const validate = ajv.compile(json.schema);
    const value = JSON.parse(text);
    assert.ok(validate(value), `${name}: the answer breaks its schema: ${ajv.errorsText(validate.errors)}\n${text.slice(0, 400)}`);
  }
  return { status: res.status, body: text.startsWith("{") ? JSON.parse(text) : text };
}

try {
  const entry = readFileSync(path.join(source, "examples", "entry.geojson"), "utf8");
  await call("GET", "/v1/health");
  await call("GET", "/v1/whoami");  // no token
  await call("GET", "/v1/whoami", "coalition");
  await call("GET", "/v1/openapi.yaml", "coalition");
  for (const kind of ["zones", "sites", "activities"]) await call("GET", `/v1/${kind}?bbox=38,33,39,34`, "coalition");
  await call("GET", "/v1/activities?bbox=nonsense", "coalition");
  const declared = await call("POST", "/v1/activities", "russia", entry);
  assert.equal(declared.status, 201);
  await call("POST", "/v1/activities", "russia", entry);  // the same id again
  await call("POST", "/v1/activities", "russia", "{not json");
  await call("POST", "/v1/check", "russia", entry.replace("russia.patrol-west", "russia.patrol-dry"));
  await call("GET", "/v1/activities/russia.patrol-west", "russia");
  await call("GET", "/v1/activities/no-such-thing", "russia");
  await call("PUT", "/v1/activities/russia.patrol-west", "russia", entry, { "if-match": "\"7\"" });
  await call("GET", "/v1/activities/russia.patrol-west/conflicts", "russia");
  await call("GET", "/v1/conflicts?limit=2", "coalition");
  await call("GET", "/v1/rules", "coalition");
  const grid = await call("GET", "/v1/position?q=" + encodeURIComponent("37SDT 644 074") + "&digits=3", "coalition");
  assert.equal(grid.status, 200);
  assert.equal(grid.body.written_as, "mgrs");
  assert.equal(grid.body.square_m, 100);  // a square of 100 m, its centre given
  assert.equal(grid.body.grids.mgrs, "37SDT644074");
  assert.ok(Math.abs(grid.body.position[1] - 33.506) < 1e-4 && Math.abs(grid.body.position[0] - 38.6172) < 1e-4);
  const dms = await call("GET", "/v1/position?q=" + encodeURIComponent("33°30'21\"N 38°37'04\"E"), "coalition");
  assert.equal(dms.body.grids.utm, "37S 464499 3707431");
  assert.equal((await call("GET", "/v1/position?q=37T%20464499%203707430", "coalition")).status, 400);  // outside band T
  assert.equal((await call("GET", "/v1/position", "coalition")).status, 400);
  const inbox = await call("GET", "/v1/notices", "coalition");
  const notice = inbox.body.notices.find((n) => n.activity === "russia.patrol-west").id;
  await call("POST", `/v1/notices/${notice}/ack`, "coalition", "{}");
  await call("POST", `/v1/notices/${notice}/object`, "coalition", '{"text":"too late"}');
  await call("POST", `/v1/notices/${notice}/ack`, "russia", "{}");  // not the caller's notice
  await call("GET", `/v1/notices/${notice}/proof`, "coalition");
  await call("POST", "/v1/messages", "russia", '{"to":"coalition","text":"patrol at dawn"}');
  await call("POST", "/v1/messages", "russia", '{"to":"nobody","text":"hello"}');
  await call("GET", "/v1/messages", "coalition");
  await call("GET", "/v1/record?limit=5", "coalition");
  await call("GET", "/v1/record/key", "coalition");
  await call("GET", "/v1/record/head", "coalition");
  await call("GET", "/v1/record/inclusion?seq=2", "coalition");
  await call("GET", "/v1/record/consistency?from=2&to=5", "coalition");
  await call("GET", "/v1/record/checkpoint", "coalition");
  await call("GET", "/v1/keys", "coalition");
  await call("POST", "/v1/admin/clock", "coalition", '{"now":"2018-09-02T00:00:00Z"}');  // not an admin
  await call("POST", "/v1/admin/clock", "ops", '{"now":"2018-09-02T00:00:00Z"}');
  await call("DELETE", "/v1/activities/russia.patrol-west", "russia");
  await call("DELETE", "/v1/sites/coalition.garrison", "coalition");
  console.log(`openapi answers: ${seen.size} operations answered as the document says`);
} finally {
  child.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
