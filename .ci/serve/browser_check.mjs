// The real-browser check of `zoo serve`: drives Chromium (through playwright-core) over
// the runs page, a run page while the run trains, and the MNIST and XOR playgrounds.
// How to run it, and what each step checks: README.md next to this file.
//
//   BASE_URL   where `zoo serve` listens, e.g. http://127.0.0.1:8765 (required)
//   MNIST_RUN  id of a finished mnist run with a model (steps a, c)
//   XOR_RUN    id of a finished xor run with a model (steps a, d)
//   LIVE_RUN   id of a run that trains while the check runs (step b)
//   SHOTS_DIR  where the screenshots go (default: ./shots)
//   CHROMIUM   the browser binary (default: /usr/bin/chromium)
//   STEPS      which steps to run, e.g. "a,c" (default: all of a,b,c,d)
//
// Each step prints one line `ok: ...`; the first that fails prints `FAIL: ...` (and a
// fail-<step>.png screenshot) and the check exits with status 1. Any console error, page
// error, failed request or HTTP error response on a page fails the step it happens in.

import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const env = process.env;
const BASE_URL = (env.BASE_URL || '').replace(/\/+$/, '');
const SHOTS_DIR = resolve(env.SHOTS_DIR || 'shots');
const CHROMIUM = env.CHROMIUM || '/usr/bin/chromium';
const STEPS = (env.STEPS || 'a,b,c,d').split(',').map((s) => s.trim()).filter(Boolean);

class CheckError extends Error {}
const fail = (message) => { throw new CheckError(message); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const url = (path) => BASE_URL + path;
const q = (s) => JSON.stringify(String(s)); // a quoted CSS attribute value

function need(name) {
  if (!env[name]) fail(`${name} is not set (see the top of browser_check.mjs)`);
  return env[name];
}

// --- pages that record their problems --------------------------------------------------

let context;

/** A new page whose console errors, page errors, failed requests and HTTP errors are
 *  logged as they happen and collected in `page.problems`. */
async function openPage() {
  const page = await context.newPage();
  page.problems = [];
  page.listening = true;
  const problem = (what) => {
    if (!page.listening) return;
    page.problems.push(what);
    console.log(`  page problem: ${what}`);
  };
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const loc = msg.location();
      // Chromium asks for /favicon.ico by itself and logs its 404; not the pages' doing.
      if (loc && loc.url && new URL(loc.url, BASE_URL).pathname === '/favicon.ico') return;
      problem(`console error: ${msg.text()}${loc && loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
    }
  });
  page.on('pageerror', (err) => problem(`page error: ${err.message}`));
  page.on('requestfailed', (req) =>
    problem(`request failed: ${req.method()} ${req.url()}: ${req.failure()?.errorText}`));
  page.on('response', async (resp) => {
    if (resp.status() < 400) return;
    const path = new URL(resp.url()).pathname;
    if (path === '/favicon.ico') return; // as above
    let body = '';
    try { body = (await resp.text()).slice(0, 200); } catch { /* gone with the page */ }
    problem(`HTTP ${resp.status()} for ${resp.request().method()} ${path}: ${body}`);
  });
  return page;
}

/** Stops recording problems (closing a page aborts its polling requests) and closes it. */
async function closePage(page) {
  page.listening = false;
  await page.close();
}

function noProblems(page, step) {
  if (page.problems.length) {
    fail(`${step}: ${page.problems.length} page problem(s), the first: ${page.problems[0]}`);
  }
}

async function goto(page, path) {
  const resp = await page.goto(url(path), { waitUntil: 'load' });
  if (!resp || !resp.ok()) fail(`GET ${path} answered ${resp ? resp.status() : 'nothing'}`);
}

async function apiJson(path) {
  const resp = await context.request.get(url(path));
  if (!resp.ok()) fail(`GET ${path} answered ${resp.status()}: ${(await resp.text()).slice(0, 200)}`);
  return resp.json();
}

async function shot(page, name) {
  const path = join(SHOTS_DIR, name);
  await page.screenshot({ path, fullPage: true });
  return name;
}

/** Records the POSTs to .../predict that `page` sends: {body (what was sent), json (the
 *  answer), t (when sent), done}. */
function recordPredicts(page) {
  const list = [];
  page.on('request', (req) => {
    if (req.method() === 'POST' && new URL(req.url()).pathname.endsWith('/predict')) {
      let body = null;
      try { body = req.postDataJSON(); } catch { /* not JSON: the server will say so */ }
      list.push({ req, body, json: null, t: Date.now(), done: false });
    }
  });
  const finish = async (req) => {
    const entry = list.find((e) => e.req === req);
    if (!entry) return;
    try { entry.json = await (await req.response())?.json(); } catch { /* failure is logged */ }
    entry.done = true;
  };
  page.on('requestfinished', finish);
  page.on('requestfailed', finish);
  return list;
}

const readPrediction = (page) => page.$eval('#prediction', (e) => ({
  cls: e.dataset.class, label: e.dataset.label, count: e.dataset.count,
}));

/** Waits until the page has answered the predict requests sent since `since` (an index
 *  into `predicts`): at least one was sent, all are answered, none for 400 ms, #prediction's
 *  data-count differs from `countBefore` and its data-class is the newest answer's class.
 *  Returns {dom, answer, sent}. */
async function settledAnswer(page, predicts, since, countBefore, what) {
  const deadline = Date.now() + 15000;
  let dom = null;
  for (;;) {
    const mine = predicts.slice(since);
    const last = mine[mine.length - 1];
    if (last && mine.every((p) => p.done) && Date.now() - last.t >= 400) {
      if (!last.json) fail(`${what}: the last POST .../predict got no JSON answer`);
      dom = await readPrediction(page);
      if (dom.count !== countBefore && String(last.json.class) === dom.cls) {
        return { dom, answer: last.json, sent: last.body };
      }
    }
    if (Date.now() > deadline) {
      if (!mine.length) fail(`${what}: the page sent no POST .../predict within 15 s`);
      fail(`${what}: #prediction did not settle on the last answer within 15 s ` +
        `(data-count ${dom?.count} (was ${countBefore}), data-class ${dom?.cls}, ` +
        `last answer class ${last?.json?.class})`);
    }
    await sleep(100);
  }
}

// --- a. the runs page ------------------------------------------------------------------

async function stepRuns() {
  const ids = [need('MNIST_RUN'), need('XOR_RUN')];
  const page = await openPage();
  await goto(page, '/');
  for (const id of ids) {
    await page.waitForSelector(`table#runs tr[data-id=${q(id)}]`, { timeout: 15000 })
      .catch(() => fail(`the runs page has no row tr[data-id=${q(id)}] in table#runs after 15 s`));
  }
  const statuses = [];
  for (const id of ids) {
    const cell = await page.$(`table#runs tr[data-id=${q(id)}] td.status`);
    if (!cell) fail(`run ${id}'s row has no td.status`);
    statuses.push(`${id} ${(await cell.innerText()).trim()}`);
  }
  const rows = await page.$$eval('table#runs tr[data-id]', (r) => r.length);
  const name = await shot(page, 'runs.png');
  noProblems(page, 'runs page');
  await closePage(page);
  console.log(`ok: a. runs page lists ${statuses.join(' and ')} (${rows} rows); ${name}`);
}

// --- b. a run page while the run trains ------------------------------------------------

async function stepLive() {
  const id = need('LIVE_RUN');
  const status = (await apiJson(`/api/runs/${encodeURIComponent(id)}`)).run.status;
  if (status !== 'running') fail(`LIVE_RUN ${id} is ${status}, not running: nothing to watch grow`);
  const page = await openPage();
  await goto(page, `/runs/${encodeURIComponent(id)}`);
  const charts = () => page.$$eval('div.chart', (els) =>
    els.map((e) => ({ key: e.dataset.key, points: Number(e.dataset.points) || 0 })));
  const total = (cs) => cs.reduce((s, c) => s + c.points, 0);
  await page.waitForFunction(
    () => [...document.querySelectorAll('div.chart')].some((e) => Number(e.dataset.points) > 0),
    null, { timeout: 30000, polling: 200 },
  ).catch(() => fail('no div.chart with data-points > 0 on the run page after 30 s'));
  const before = await charts();
  const t0 = Date.now();
  await page.waitForFunction(
    (n) => [...document.querySelectorAll('div.chart')]
      .reduce((s, e) => s + (Number(e.dataset.points) || 0), 0) > n,
    total(before), { timeout: 60000, polling: 200 },
  ).catch(async () => {
    const now = (await apiJson(`/api/runs/${encodeURIComponent(id)}`)).run.status;
    fail(`the charts' points stayed at ${total(before)} for 60 s (the run is now ${now})`);
  });
  const after = await charts();
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  const name = await shot(page, 'run-live.png');
  noProblems(page, 'run page');
  await closePage(page);
  const per = after.map((c) => `${c.key} ${before.find((b) => b.key === c.key)?.points ?? 0}->${c.points}`);
  console.log(`ok: b. run page of ${id}: points drawn grew ${total(before)} -> ${total(after)} ` +
    `in ${secs} s over ${after.length} charts (${per.join(', ')}); ${name}`);
}

// --- c. the MNIST playground -----------------------------------------------------------

const DIGITS = JSON.parse(readFileSync(join(HERE, 'digits.json'), 'utf8'));
const SCREENSHOT_DIGITS = { 7: 'play-mnist-7.png', 1: 'play-mnist-1.png' };

/** Draws `strokes` (digits.json: unit-box polylines) on the canvas with the mouse: one
 *  mouse down ... up per stroke, moving in steps of about 4 px so that pointermove fires
 *  along the whole line. Resolves after the last mouse up. */
async function drawStrokes(page, box, canvasWidth, strokes, beforeLastUp) {
  // digits.json is made for a canvas_px canvas; a canvas of another size gets the same
  // drawing scaled; then canvas pixels -> CSS pixels by the element's box.
  const k = canvasWidth / DIGITS.canvas_px;
  const css = box.width / canvasWidth;
  const at = ([x, y]) => [
    box.x + css * k * (DIGITS.canvas_px / 2 + (x - 0.5) * DIGITS.box_px),
    box.y + css * k * (DIGITS.canvas_px / 2 + (y - 0.5) * DIGITS.box_px),
  ];
  for (let s = 0; s < strokes.length; s++) {
    const pts = strokes[s].map(at);
    await page.mouse.move(pts[0][0], pts[0][1]);
    await page.mouse.down();
    for (let i = 1; i < pts.length; i++) {
      const len = Math.hypot(pts[i][0] - pts[i - 1][0], pts[i][1] - pts[i - 1][1]);
      await page.mouse.move(pts[i][0], pts[i][1], { steps: Math.max(1, Math.ceil(len / 4)) });
    }
    if (s === strokes.length - 1) await beforeLastUp();
    await page.mouse.up();
  }
}

/** The largest red value on `selector`'s canvas (ink is white on black). */
const canvasMax = (page, selector) => page.$eval(selector, (c) => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let m = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] > m) m = d[i];
  return m;
});

async function stepMnist() {
  const id = need('MNIST_RUN');
  const play = await apiJson(`/api/runs/${encodeURIComponent(id)}/play`);
  if (play.kind !== 'mnist') fail(`MNIST_RUN ${id}'s playground is ${play.kind}, not mnist`);
  const page = await openPage();
  const predicts = recordPredicts(page);
  await goto(page, `/play/${encodeURIComponent(id)}`);
  await page.waitForSelector('canvas#draw');
  await page.waitForSelector('#prediction', { state: 'attached' });
  const canvas = await page.$('canvas#draw');
  const [cw, ch] = await canvas.evaluate((c) => [c.width, c.height]);
  if (cw !== 280 || ch !== 280) console.log(`  note: canvas#draw is ${cw}x${ch}, not 280x280`);
  const box = await canvas.boundingBox();
  if (!box) fail('canvas#draw is not visible');
  const rows = [];
  for (let digit = 0; digit <= 9; digit++) {
    const what = `drawn ${digit}`;
    if (await canvasMax(page, 'canvas#draw') > 40) fail(`${what}: canvas#draw is not blank before drawing`);
    let since = 0;
    let countBefore;
    await drawStrokes(page, box, cw, DIGITS.digits[String(digit)], async () => {
      countBefore = (await readPrediction(page)).count;
      since = predicts.length; // the requests sent after the last pointerup
    });
    const { dom, answer } = await settledAnswer(page, predicts, since, countBefore, what);
    const cls = Number(dom.cls);
    const p = Array.isArray(answer.probabilities) ? answer.probabilities[cls] : undefined;
    if (await canvasMax(page, 'canvas#input28') < 100) fail(`${what}: canvas#input28 shows no digit`);
    rows.push({ digit, cls, label: dom.label, p });
    if (SCREENSHOT_DIGITS[digit]) await shot(page, SCREENSHOT_DIGITS[digit]);
    const quietSince = predicts.length;
    await page.click('button#clear');
    await sleep(300);
    if (await canvasMax(page, 'canvas#draw') > 40) fail(`${what}: button#clear did not blank canvas#draw`);
    if (predicts.length > quietSince) fail(`${what}: button#clear sent a POST .../predict`);
  }
  noProblems(page, 'MNIST playground');
  await closePage(page);
  console.log('  digit  predicted  P(predicted)');
  for (const r of rows) {
    const p = r.p === undefined ? '   -  ' : r.p.toFixed(4);
    console.log(`  ${String(r.digit).padStart(5)}  ${String(r.label ?? r.cls).padStart(9)}  ${p}` +
      `${r.cls === r.digit ? '' : '   <-- wrong'}`);
  }
  const wrong = rows.filter((r) => r.cls !== r.digit);
  const right = rows.length - wrong.length;
  const named = wrong.map((r) => `${r.digit} read as ${r.label ?? r.cls}`).join(', ');
  if (right < 8) fail(`MNIST playground: ${right}/10 drawn digits read right (need 8): ${named}`);
  console.log(`ok: c. MNIST playground of ${id}: ${right}/10 drawn digits read right` +
    `${wrong.length ? ` (wrong: ${named})` : ''}; play-mnist-7.png, play-mnist-1.png`);
}

// --- d. the XOR playground -------------------------------------------------------------

const GATES = { and: (a, b) => a & b, or: (a, b) => a | b, xor: (a, b) => a ^ b, xnor: (a, b) => 1 - (a ^ b) };

async function stepXor() {
  const id = need('XOR_RUN');
  const play = await apiJson(`/api/runs/${encodeURIComponent(id)}/play`);
  if (play.kind !== 'xor') fail(`XOR_RUN ${id}'s playground is ${play.kind}, not xor`);
  const gateName = String((await apiJson(`/api/runs/${encodeURIComponent(id)}`)).config?.gate ?? '').toLowerCase();
  const gate = GATES[gateName];
  if (!gate) fail(`XOR_RUN ${id}'s config.gate is ${q(gateName)}, not one of ${Object.keys(GATES).join(', ')}`);
  const [xmin, xmax] = play.x;
  const [ymin, ymax] = play.y;

  const page = await openPage();
  const predicts = recordPredicts(page);
  await goto(page, `/play/${encodeURIComponent(id)}`);
  await page.waitForSelector('canvas#plane');
  await page.waitForSelector('#prediction', { state: 'attached' });
  const plane = await page.$('canvas#plane');
  const box = await plane.boundingBox();
  if (!box) fail('canvas#plane is not visible');
  // The plot area in canvas pixels: data-x0/x1 = the columns of x = x[0] and x[1],
  // data-y0/y1 = the rows of y = y[0] and y[1] (y0 below y1); without them, the whole canvas.
  const m = await plane.evaluate((c) => ({
    w: c.width, h: c.height, x0: c.dataset.x0, x1: c.dataset.x1, y0: c.dataset.y0, y1: c.dataset.y1,
  }));
  const given = ['x0', 'x1', 'y0', 'y1'].every((k) => m[k] !== undefined && m[k] !== '' && Number.isFinite(Number(m[k])));
  const px = given
    ? { x0: Number(m.x0), x1: Number(m.x1), y0: Number(m.y0), y1: Number(m.y1) }
    : { x0: 0, x1: m.w, y0: m.h, y1: 0 };
  const mapping = given ? `plot area from data-x0..y1 ${JSON.stringify(px)}` : 'no data-x0..y1: the whole canvas';
  // Aim near the (0,0) and (1,0) corners, kept 8% of the extent inside the plane.
  const inside = (v, lo, hi) => Math.min(Math.max(v, lo + 0.08 * (hi - lo)), hi - 0.08 * (hi - lo));
  const targets = [[0, 0], [1, 0]].map(([a, b]) => ({ corner: [a, b], data: [inside(a, xmin, xmax), inside(b, ymin, ymax)] }));
  const toClient = ([x, y]) => [
    box.x + (px.x0 + (x - xmin) / (xmax - xmin) * (px.x1 - px.x0)) * box.width / m.w,
    box.y + (px.y0 + (y - ymin) / (ymax - ymin) * (px.y1 - px.y0)) * box.height / m.h,
  ];

  const start = (await readPrediction(page)).count;
  if (start !== undefined && Number(start) !== 0) fail(`#prediction's data-count is ${start} before any click`);
  const seen = [];
  for (const [i, t] of targets.entries()) {
    const what = `click ${i + 1} at (${t.data.map((v) => v.toFixed(2)).join(', ')})` +
      (given ? '' : ' (canvas#plane has no data-x0..y1, so the check took the whole canvas as the plot area)');
    const since = predicts.length;
    const countBefore = (await readPrediction(page)).count;
    const [cx, cy] = toClient(t.data);
    await page.mouse.click(cx, cy);
    const { dom, answer, sent } = await settledAnswer(page, predicts, since, countBefore, what);
    if (Number(dom.count) !== i + 1) fail(`${what}: data-count is ${dom.count}, expected ${i + 1}`);
    // The point the page sent must be the one aimed at: otherwise its pixel <-> data mapping
    // is not the one this check assumes (${mapping}).
    const tol = [0.03 * (xmax - xmin), 0.03 * (ymax - ymin)];
    const p = sent?.point;
    if (!Array.isArray(p) || Math.abs(p[0] - t.data[0]) > tol[0] || Math.abs(p[1] - t.data[1]) > tol[1]) {
      fail(`${what}: the page sent point ${JSON.stringify(p)} for a click aimed at ` +
        `(${t.data.join(', ')}) (mapping used: ${mapping})`);
    }
    const expected = gate(t.corner[0], t.corner[1]);
    if (Number(dom.cls) !== expected) {
      fail(`${what}: the page shows class ${dom.cls}; ${gateName}(${t.corner.join(',')}) = ${expected}`);
    }
    seen.push(`${gateName}(${t.corner.join(',')}) -> ${dom.cls} (P(1) ${Number(answer.probability).toFixed(3)}, ` +
      `sent (${p.map((v) => v.toFixed(3)).join(', ')}))`);
  }
  const history = await page.$eval('#history', (el) => {
    const items = el.querySelectorAll('li');
    if (items.length) return items.length;
    const rows = el.querySelectorAll('tbody tr');
    if (rows.length) return rows.length;
    return el.children.length;
  }).catch(() => fail('the page has no #history'));
  if (history < 2) fail(`#history lists ${history} click(s) after 2 clicks`);
  const name = await shot(page, 'play-xor.png');
  noProblems(page, 'XOR playground');
  await closePage(page);
  console.log(`ok: d. XOR playground of ${id} (${gateName}, ${mapping}): ${seen.join('; ')}; ` +
    `data-count 2, #history ${history} entries; ${name}`);
}

// --- main ----------------------------------------------------------------------------

const ALL = { a: stepRuns, b: stepLive, c: stepMnist, d: stepXor };

async function main() {
  if (!BASE_URL) fail('BASE_URL is not set (e.g. http://127.0.0.1:8765)');
  const unknown = STEPS.filter((s) => !ALL[s]);
  if (unknown.length) fail(`unknown STEPS ${unknown.join(',')}: use some of a,b,c,d`);
  mkdirSync(SHOTS_DIR, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(15000);
    for (const s of STEPS) {
      try {
        await ALL[s]();
      } catch (e) {
        for (const p of context.pages()) {
          p.listening = false;
          await p.screenshot({ path: join(SHOTS_DIR, `fail-${s}.png`), fullPage: true }).catch(() => {});
        }
        throw Object.assign(e, { step: s });
      }
    }
  } finally {
    await browser.close();
  }
  console.log(`ok: all ${STEPS.length} steps (${STEPS.join(',')}) passed; screenshots in ${SHOTS_DIR}`);
}

main().catch((e) => {
  const where = e.step ? `step ${e.step}: ` : '';
  console.error(`FAIL: ${where}${e instanceof CheckError ? e.message : e.stack || e}`);
  process.exit(1);
});
