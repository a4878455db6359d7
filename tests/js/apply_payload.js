// Runs assets/map.js outside a browser: loads it with a stub `window` and `document`, then
// applies each {payload, figure} case of the JSON file argv[3] with applyPayload and prints the
// resulting figures as JSON. Used by tests/test_payload_js.py, which built the payloads in Python.
"use strict";
const fs = require("fs");
const vm = require("vm");

const [script, input] = process.argv.slice(2);
const window = {};
const document = { addEventListener() {}, querySelector() { return null; } };
const context = vm.createContext({ window, document, atob, console });
vm.runInContext(fs.readFileSync(script, "utf8"), context, { filename: script });
const NO_UPDATE = { no_update: true };
window.dash_clientside.no_update = NO_UPDATE;

const cases = JSON.parse(fs.readFileSync(input, "utf8"));
const out = cases.map(({ payload, figure }) => {
  const result = window.dash_clientside.clustermap.applyPayload(payload, figure);
  return result === NO_UPDATE ? null : result;
});
process.stdout.write(JSON.stringify(out));
