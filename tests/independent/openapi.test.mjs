// docs/openapi.yaml checked by two validators written by others, from npm:
// @apidevtools/swagger-parser (the OpenAPI 3.0 schema, every $ref resolved)
// and `redocly lint` with its strict recommended rules (docs/redocly.yaml);
// and for what a client generator and a client need: every
// operation has an operationId, no two the same, and every operation that
// needs a token declares the answers any request can get (401 without a good
// token, 429 over its rate, 503 when the store cannot be reached), and 413
// where it takes a body; and every successful answer has a schema. Usage: node openapi.test.mjs SOURCE_DIR
import { execFileSync } from "node:child_process";
import path from "node:path";
import { createRequire } from "node:module";
import assert from "node:assert/strict";

const source = process.argv[2];
const require = createRequire(path.join(source, "web", "package.json"));
const SwaggerParser = require("@apidevtools/swagger-parser");

const file = path.join(source, "docs", "openapi.yaml");
const api = await SwaggerParser.validate(file);  // throws, naming the place, on any error
// Any problem redocly finds is an error under docs/redocly.yaml: it exits non-zero.
try {
  execFileSync(path.join(source, "web", "node_modules", ".bin", "redocly"),
               ["lint", file, "--config", path.join(source, "docs", "redocly.yaml")], { stdio: "pipe" });
} catch (e) {
  assert.fail("redocly lint:\n" + e.stdout + e.stderr);
}
const methods = ["get", "post", "put", "delete", "patch"];
const ids = new Map();
let operations = 0;
for (const [route, item] of Object.entries(api.paths)) {
  for (const method of methods.filter((m) => item[m])) {
    const op = item[method];
    const name = `${method.toUpperCase()} ${route}`;
    ++operations;
    assert.ok(op.operationId, `${name} has no operationId`);
    assert.ok(!ids.has(op.operationId), `${name} has the operationId of ${ids.get(op.operationId)}`);
    ids.set(op.operationId, name);
    for (const [status, answer] of Object.entries(op.responses).filter(([s]) => s.startsWith("2"))) {
      for (const [type, body] of Object.entries(answer.content ?? {}))
        assert.ok(body.schema, `${name}: its ${status} ${type} answer has no schema`);
    }
    const open = Array.isArray(op.security) && op.security.length === 0;
    if (open) continue;
    for (const status of ["401", "429", "503"]) assert.ok(op.responses[status], `${name} does not declare ${status}`);
    if (method === "post" || method === "put") assert.ok(op.responses["413"], `${name} does not declare 413`);
  }
}
assert.ok(operations > 40, `only ${operations} operations read`);
console.log(`openapi: valid OpenAPI ${api.openapi}, ${operations} operations, each with its own operationId and schemas`);
