// The party's signing key in this browser (docs/record.md, "Party keys and
// signed acts"): once a party has keys, every act it makes is an HTTP request
// signed with RFC 9421 HTTP Message Signatures (Ed25519 over @method,
// @target-uri and an RFC 9530 Content-Digest), so that the record proves the
// act was the party's and not the operator's. The key is a WebCrypto Ed25519
// key made non-extractable: the page can sign with it, nothing can read it.
// It is kept in this browser's IndexedDB, per origin and party.
"use strict";

const Keys = (() => {
  const DB = "deconflict-keys", STORE = "keys";

  const hex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
  const base64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
  const base64url = (bytes) => base64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const fromHex = (text) => new Uint8Array(text.match(/../g).map((b) => parseInt(b, 16)));

  function open() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  async function tx(mode, work) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode), req = work(t.objectStore(STORE));
      t.oncomplete = () => resolve(req.result);
      t.onerror = () => reject(t.error);
    });
  }

  // The key this browser holds for `party`: {privateKey, publicHex}, or null.
  const load = (party) => tx("readonly", (s) => s.get(party)).then((k) => k || null);
  const keep = (party, key) => tx("readwrite", (s) => s.put(key, party));
  const forget = (party) => tx("readwrite", (s) => s.delete(party));

  // A new key, made here; its private half can never leave the browser.
  async function create() {
    const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
    return { privateKey: pair.privateKey, publicHex: hex(await crypto.subtle.exportKey("raw", pair.publicKey)) };
  }

  // A key file made by `deconflict key new` (or the replay): 128 hex digits,
  // the Ed25519 seed then the public key. Imported non-extractable.
  async function importFile(text) {
    const secret = text.trim();
    if (!/^[0-9a-f]{128}$/.test(secret)) throw new Error("not a deconflict key file (128 hex digits)");
    const bytes = fromHex(secret), seed = bytes.slice(0, 32), pub = bytes.slice(32);
    const jwk = { kty: "OKP", crv: "Ed25519", d: base64url(seed), x: base64url(pub) };
    const privateKey = await crypto.subtle.importKey("jwk", jwk, { name: "Ed25519" }, false, ["sign"]);
    return { privateKey, publicHex: hex(pub) };
  }

  // The headers that sign a request of `method` to `path` with `body`
  // (a string, "" for none): Content-Digest, Signature-Input, Signature.
  async function sign(key, method, path, body) {
    const digest = "sha-256=:" + base64(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body))) + ":";
    const created = Math.floor(Date.now() / 1000);
    const nonce = hex(crypto.getRandomValues(new Uint8Array(16)));
    const params = `("@method" "@target-uri" "content-digest");created=${created};keyid="${key.publicHex}"` +
                   `;alg="ed25519";nonce="${nonce}"`;
    const base = `"@method": ${method}\n"@target-uri": ${location.origin}${path}\n"content-digest": ${digest}\n` +
                 `"@signature-params": ${params}`;
    const signature = await crypto.subtle.sign({ name: "Ed25519" }, key.privateKey, new TextEncoder().encode(base));
    return { "Content-Digest": digest, "Signature-Input": "act=" + params, "Signature": "act=:" + base64(signature) + ":" };
  }

  return { load, keep, forget, create, importFile, sign };
})();
