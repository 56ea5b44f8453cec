// Time to first render of a report.html in headless Chromium, over the DevTools protocol.
//
//   node --experimental-websocket scripts/html_render_time.mjs REPORT.html [RUNS=3]
//
// (Node 22 and later need no flag.) Each run opens the file in a fresh tab of one headless
// Chromium (no cache reuse: a new browser profile, cache disabled) and reads, once the page's
// script has set `data-rendered`:
//   - script_done_ms: `data-first-render-ms`, i.e. performance.now() when the page's script
//     had drawn the first view (navigation start → overview drawn; parsing the file included);
//   - fcp_ms: the first-contentful-paint entry;
//   - load_ms: performance.timing loadEventEnd − navigationStart.
// It prints every run and the median of each figure, and the file's size.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const file = process.argv[2];
const runs = Number(process.argv[3] || 3);
if (!file) {
  console.error("usage: node --experimental-websocket scripts/html_render_time.mjs REPORT.html [RUNS]");
  process.exit(2);
}
const exe = process.env.REPRISE_CHROMIUM || "chromium";
const profile = mkdtempSync(join(tmpdir(), "reprise-cdp-"));
const browser = spawn(exe, ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--remote-debugging-port=0", `--user-data-dir=${profile}`, "--window-size=1280,900", "about:blank"],
  { stdio: ["ignore", "ignore", "pipe"] });

const endpoint = await new Promise((ok, fail) => {
  let err = "";
  browser.stderr.on("data", (d) => {
    err += d;
    const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
    if (m) ok(m[1]);
  });
  browser.on("exit", (c) => fail(new Error(`chromium exited ${c}: ${err}`)));
});

const ws = new WebSocket(endpoint);
await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = fail; });
let nextId = 1;
const pending = new Map();
const waiters = [];
ws.onmessage = (m) => {
  const msg = JSON.parse(m.data);
  if (msg.id && pending.has(msg.id)) {
    const { ok, fail } = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error) fail(new Error(JSON.stringify(msg.error))); else ok(msg.result);
  } else if (msg.method) {
    for (const w of waiters.slice()) if (w.method === msg.method && w.session === msg.sessionId) {
      waiters.splice(waiters.indexOf(w), 1);
      w.ok(msg.params);
    }
  }
};
function send(method, params = {}, sessionId) {
  const id = nextId++;
  ws.send(JSON.stringify({ id, method, params, sessionId }));
  return new Promise((ok, fail) => pending.set(id, { ok, fail }));
}
function event(method, session) { return new Promise((ok) => waiters.push({ method, session, ok })); }

const url = "file://" + resolve(file);
const results = [];
for (let i = 0; i < runs; i++) {
  const { targetId } = await send("Target.createTarget", { url: "about:blank" });
  const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
  await send("Page.enable", {}, sessionId);
  await send("Network.enable", {}, sessionId);
  await send("Network.setCacheDisabled", { cacheDisabled: true }, sessionId);
  const loaded = event("Page.loadEventFired", sessionId);
  await send("Page.navigate", { url }, sessionId);
  await loaded;
  let r;
  for (let tries = 0; tries < 600; tries++) {
    const { result } = await send("Runtime.evaluate", {
      returnByValue: true,
      expression: `(() => { const b = document.body; if (!b || b.dataset.rendered !== "1") return null;
        const t = performance.timing, p = performance.getEntriesByName("first-contentful-paint")[0];
        return { script_done_ms: Number(b.dataset.firstRenderMs), fcp_ms: p ? p.startTime : null,
                 load_ms: t.loadEventEnd - t.navigationStart,
                 errors: document.querySelectorAll(".page-error").length }; })()`,
    }, sessionId);
    if (result.value) { r = result.value; break; }
    await new Promise((ok) => setTimeout(ok, 50));
  }
  if (!r) throw new Error("the page never set data-rendered");
  if (r.errors) throw new Error(`the page reported ${r.errors} error(s)`);
  results.push(r);
  console.log(`run ${i + 1}: script_done ${r.script_done_ms.toFixed(0)} ms, first contentful paint ${r.fcp_ms == null ? "–" : r.fcp_ms.toFixed(0)} ms, load ${r.load_ms} ms`);
  await send("Target.closeTarget", { targetId });
}
const median = (k) => {
  const v = results.map((r) => r[k]).filter((x) => x != null).sort((a, b) => a - b);
  return v.length ? v[Math.floor(v.length / 2)].toFixed(0) : "–";
};
console.log(`${file}: ${(statSync(file).size / 1e6).toFixed(2)} MB; median of ${runs}: script_done ${median("script_done_ms")} ms, first contentful paint ${median("fcp_ms")} ms, load ${median("load_ms")} ms`);
ws.close();
browser.kill();
await new Promise((ok) => browser.on("exit", ok));
rmSync(profile, { recursive: true, force: true });
