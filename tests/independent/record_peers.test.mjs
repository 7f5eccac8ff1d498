// Implementations written by others check what deconflict produces (issue 16):
// the npm http-message-signatures package (RFC 9421) signs a party's act that
// the real server accepts, and verifies the signed request the record keeps;
// the npm canonicalize package (RFC 8785) rewrites every exported entry to the
// same bytes, whose SHA-256 is the entry's hash.
//
//   node tests/independent/record_peers.test.mjs BIN SOURCE_DIR
import { spawn, execFileSync } from "node:child_process";
import { createHash, createHmac, generateKeyPairSync, randomBytes, sign as edSign, verify as edVerify } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import assert from "node:assert/strict";

const [bin, source] = process.argv.slice(2);
const require = createRequire(path.join(source, "web", "package.json"));
const { httpbis } = require("http-message-signatures");
// canonicalize is an ES module only: imported from web/node_modules by path.
const { default: canonicalize } = await import(
  pathToFileURL(path.join(source, "web", "node_modules", "canonicalize", "lib", "canonicalize.js")).href);

const dir = mkdtempSync(path.join(tmpdir(), "deconflict-peers-"));
const db = path.join(dir, "peers.db");
const token = execFileSync(bin, ["party", "add", "coalition", "--db", db], { stdio: ["ignore", "pipe", "ignore"] })
  .toString().trim();
// The party the zone asks to agree to it (a zone names only parties of the line).
execFileSync(bin, ["party", "add", "russia", "--db", db], { stdio: "ignore" });

function serve() {
  const child = spawn(bin, ["serve", "--db", db, "--listen", "127.0.0.1:0"], { stdio: ["ignore", "ignore", "pipe"] });
  return new Promise((resolve, reject) => {
    let err = "";
    child.on("exit", (code) => reject(new Error("the server ended with " + code + ":\n" + err)));
    child.stderr.on("data", (chunk) => {
      err += chunk;
      const m = err.match(/listening on (http:\/\/[0-9.]+:[0-9]+)/);
      if (m) resolve({ child, url: m[1] });
    });
  });
}

// An entry's audience as docs/record.md defines it: each reader's commitment
// SHA-256(salt + " " + party), salt = HMAC-SHA256(seed, "deconflict audience salt\n" + party),
// padded to a multiple of 8 with HMAC-SHA256(seed, "deconflict audience pad\n" + i),
// sorted, and hashed as a canonical JSON array.
function audienceDigest(parties, seedHex) {
  const seed = Buffer.from(seedHex, "hex");
  const hmac = (text) => createHmac("sha256", seed).update(text).digest("hex");
  const sha = (text) => createHash("sha256").update(text).digest("hex");
  const names = [...new Set(parties.split(" ").filter((p) => p))].sort();
  const commitments = names.map((p) => sha(hmac("deconflict audience salt\n" + p) + " " + p));
  const padded = Math.max(1, Math.ceil(commitments.length / 8)) * 8;
  for (let i = 0; commitments.length < padded; i++) commitments.push(hmac("deconflict audience pad\n" + i));
  commitments.sort();
  return sha(canonicalize(commitments));
}

const contentDigest = (body) => "sha-256=:" + createHash("sha256").update(body).digest("base64") + ":";

const { child, url } = await serve();
try {
  // A key made by node, registered with the party's token.
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const publicHex = Buffer.from(publicKey.export({ format: "jwk" }).x, "base64url").toString("hex");
  let res = await fetch(url + "/v1/keys", { method: "POST", headers: { Authorization: "Bearer " + token },
    body: JSON.stringify({ public_key: publicHex, name: "node" }) });
  assert.equal(res.status, 201, await res.text());

  // A zone declared by a request the npm package signs; one of its numbers is
  // an integer beyond 2^53, which RFC 8785 writes as the double it reads as.
  const body = JSON.stringify({ type: "Feature", geometry: { type: "Point", coordinates: [38.61778, 33.50583] },
    properties: { id: "coalition.zone", kind: "deconfliction", radius_m: 55000, agreed_by: ["russia"] } })
    .replace('"radius_m":55000', '"radius_m":55000,"reference":12345678901234567891');
  const request = { method: "POST", url: url + "/v1/zones",
    headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json", "Content-Digest": contentDigest(body) } };
  const signed = await httpbis.signMessage({
    key: { id: publicHex, alg: "ed25519", sign: async (data) => edSign(null, data, privateKey) },
    name: "sig1",
    fields: ["@method", "@target-uri", "content-digest"],
    params: ["created", "keyid", "alg", "nonce"],
    paramValues: { nonce: randomBytes(16).toString("hex") },
  }, request);
  res = await fetch(request.url, { method: "POST", headers: signed.headers, body });
  assert.equal(res.status, 201, await res.text());
  // Unsigned, the same act is refused now that the party has a key.
  res = await fetch(request.url, { method: "POST", headers: request.headers, body: body.replace("coalition.zone", "coalition.z2") });
  assert.equal(res.status, 401);

  // The signed request the record keeps verifies with the npm package alone.
  res = await fetch(url + "/v1/record", { headers: { Authorization: "Bearer " + token } });
  const entry = (await res.json()).entries.find((e) => e.action === "zone.create");
  assert.ok(entry && entry.statement, "the zone's entry keeps its signed request");
  const st = entry.statement;
  assert.equal(contentDigest(st.body), st.content_digest);
  const label = "kept";
  const verified = await httpbis.verifyMessage({
    keyLookup: async (params) => ({ id: params.keyid, algs: ["ed25519"],
      verify: async (data, signature) => edVerify(null, data, publicKey, signature) }),
    tolerance: 1e9,
  }, { method: st.method, url: st.target_uri, headers: { "content-digest": st.content_digest,
    "signature-input": label + "=" + st.signature_params, "signature": label + "=:" + st.signature + ":" } });
  assert.equal(verified, true, "http-message-signatures verifies the kept request");
  assert.equal(st.signature_params.includes('keyid="' + publicHex + '"'), true);

  // Every exported entry is canonical as canonicalize writes it, and hashes to its hash.
  const lines = execFileSync(bin, ["record", "export", "--db", db]).toString().trim().split("\n");
  assert.ok(lines.length >= 4);
  let big = false;
  let audiences = 0;
  for (const line of lines) {
    const e = JSON.parse(line);
    assert.equal(canonicalize(e), line, "an exported entry is its canonical text");
    // The audience's openings are served beside the hashed entry, not in it.
    const { hash, signature, audience_parties, audience_seed, audience_proof, ...hashed } = e;
    assert.equal(createHash("sha256").update(canonicalize(hashed)).digest("hex"), hash, "entry " + e.seq);
    if (audience_seed) {
      assert.equal(audienceDigest(audience_parties, audience_seed), e.audience, "the audience of entry " + e.seq);
      audiences++;
    }
    if (line.includes('"reference":12345678901234567000')) big = true;
  }
  assert.ok(big, "the integer beyond 2^53 is hashed as the double JSON.parse reads");
  assert.ok(audiences > 0, "some entries commit to a list of readers");
  console.log("record peers: " + lines.length + " entries canonical and hashed as canonicalize writes them; " +
    "a request signed by http-message-signatures accepted, and the kept one verified by it");
} finally {
  child.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
