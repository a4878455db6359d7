// Runs assets/map.js outside a browser: loads it with a stub `window` and `document`, then for each
// case of the JSON file argv[3] prints the figure map.js draws, as JSON (null for none). A case is
// {payload, figure} (one year's MapPayload: drawPayload) or {years, year, figure} (every year's
// YearsPayload: applyPayload, as the map-values store's callback calls it). Used by
// tests/test_payload_js.py, which built the payloads in Python.
"use strict";
const fs = require("fs");
const vm = require("vm");

const [script, input] = process.argv.slice(2);
const window = {};
const document = { addEventListener() {}, querySelector() { return null; }, documentElement: {} };
class MutationObserver { observe() {} }
const context = vm.createContext({ window, document, atob, console, MutationObserver });
vm.runInContext(fs.readFileSync(script, "utf8"), context, { filename: script });
const NO_UPDATE = { no_update: true };
window.dash_clientside.no_update = NO_UPDATE;
const map = window.dash_clientside.clustermap;

const cases = JSON.parse(fs.readFileSync(input, "utf8"));
const out = cases.map(({ payload, years, year, figure }) => {
  const result = years ? map.applyPayload(years, year, figure) : map.drawPayload(payload, figure);
  return result === NO_UPDATE || result === null ? null : result;
});
process.stdout.write(JSON.stringify(out));
