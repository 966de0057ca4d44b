// common.js: helpers shared by every page of `zoo serve`: fetching the JSON API (and
// showing its `{"error": ...}` messages), building DOM, formatting numbers, durations,
// times and status badges, the nav bar, and line charts drawn with uPlot.
//
// Vendored: uPlot 1.6.32 (npm package `uplot`, MIT; uplot.iife.min.js, uplot.min.css,
// uplot.LICENSE).
'use strict';

/** Fetches `url` and returns its JSON; throws an Error carrying the server's one line. */
async function api(url, options) {
  let res;
  try {
    res = await fetch(url, options);
  } catch (e) {
    throw new Error(`cannot reach the server (${url})`);
  }
  const text = await res.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (e) { /* not JSON */ }
  if (!res.ok) {
    const msg = body && body.error ? body.error : `${res.status} ${res.statusText}`;
    const err = new Error(msg);
    err.status = res.status;
    throw err;
  }
  if (body === null) throw new Error(`${url} did not answer JSON`);
  return body;
}

/** POSTs `value` as JSON to `url`. */
function postJSON(url, value) {
  return api(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(value),
  });
}

/** Shows `msg` in the page's #error box (or hides the box when msg is empty). */
function showError(msg) {
  const box = document.getElementById('error');
  if (!box) return;
  box.textContent = msg || '';
  box.hidden = !msg;
}

/** el('a', {href: '/x', class: 'y'}, 'text', child, ...) */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  node.append(...nodes(children));
  return node;
}

/** Children for append/replaceChildren: arrays flattened, null and undefined left out. */
function nodes(children) {
  return [children].flat(Infinity).filter((c) => c !== null && c !== undefined)
    .map((c) => (c instanceof Node ? c : String(c)));
}

/** Replaces node's children (same rules as el's). */
function setChildren(node, ...children) {
  node.replaceChildren(...nodes(children));
}

/** A number with at most 4 significant digits; "-" for null. */
function fmtNum(v) {
  if (v === null || v === undefined) return '-';
  if (typeof v !== 'number') return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e6)) return v.toExponential(3);
  if (a >= 1000) return String(Number(v.toFixed(a >= 1e4 ? 0 : 1)));
  return String(Number(v.toPrecision(4)));
}

/** 0.17 → "0.17 s", 83 → "1 min 23 s", 7380 → "2 h 3 min". */
function fmtDuration(s) {
  if (s === null || s === undefined) return '-';
  if (s < 10) return `${s.toFixed(2)} s`;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** An ISO time as local "2026-12-06 20:18:07". */
function fmtTime(iso) {
  if (!iso) return '-';
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Wall time of a run row; a running run shows the time since it started. */
function fmtWall(run) {
  if (run.wall_seconds !== null && run.wall_seconds !== undefined) return fmtDuration(run.wall_seconds);
  if (run.status === 'running' && run.started) {
    return fmtDuration(Math.max(0, (Date.now() - new Date(run.started)) / 1000)) + ' so far';
  }
  return '-';
}

/** "accuracy = 0.97 (live)" or "-". */
function fmtKeyMetric(km) {
  if (!km) return '-';
  return `${km.name} = ${fmtNum(km.value)}${km.live ? ' (live)' : ''}`;
}

/** A coloured status badge. */
function badge(status) {
  const s = status || 'unknown';
  return el('span', { class: `badge status-${s}` }, s);
}

/** The run id from a path like /runs/<id> or /play/<id>. */
function idFromPath() {
  return decodeURIComponent(location.pathname.split('/').filter(Boolean)[1] || '');
}

/** Fills nav#nav: a "Runs" link and the artifacts root (fetched when `root` is undefined). */
async function initNav(root) {
  const nav = document.getElementById('nav');
  if (!nav) return;
  const rootEl = el('code', { id: 'root', title: 'the artifacts root this server reads' }, root || '');
  setChildren(nav, [
    el('a', { href: '/', class: 'brand' }, 'zoo'),
    el('a', { href: '/' }, 'Runs'),
    el('span', { class: 'spacer' }),
    el('span', { class: 'muted' }, 'artifacts: '), rootEl]);
  if (root === undefined) {
    try { rootEl.textContent = (await api('/api/runs')).root; } catch (e) { /* nav only */ }
  }
}

function setRoot(root) {
  const r = document.getElementById('root');
  if (r) r.textContent = root;
}

// ---- charts ---------------------------------------------------------------

const COLORS = ['#1f6fd1', '#e8710a', '#1e9e4a', '#c5221f', '#8e44ad', '#0f9d9a', '#795548'];
const plots = new Set();
// x is an epoch or a step: ticks at whole numbers only
const WHOLE_STEPS = [1, 2, 5].flatMap((m) => [1, 10, 100, 1e3, 1e4, 1e5, 1e6].map((p) => m * p)).sort((a, b) => a - b);

/** Aligns [{label, points: [[x, y], ...]}] into uPlot's [xs, ys1, ys2, ...]. */
function alignSeries(series) {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const data = [xs];
  for (const s of series) {
    const ys = new Array(xs.length).fill(null);
    for (const [x, y] of s.points) ys[index.get(x)] = y;
    data.push(ys);
  }
  return data;
}

/**
 * A chart box `div.chart[data-key]` appended to `parent`; returns draw(series), which
 * (re)draws it from [{label, points}] and sets data-points to the total number of points.
 */
function makeChart(parent, key, title, xLabel, attrs) {
  const box = el('div', Object.assign({ class: 'chart', 'data-key': key, 'data-points': '0' }, attrs || {}),
    el('h3', {}, title));
  const area = el('div', { class: 'plot' });
  box.append(area);
  parent.append(box);
  let plot = null;
  let labels = null;
  return function draw(series) {
    const total = series.reduce((n, s) => n + s.points.length, 0);
    box.dataset.points = String(total);
    const data = alignSeries(series);
    const sig = series.map((s) => s.label).join('\n');
    if (plot && sig === labels) { plot.setData(data); return; }
    if (plot) { plots.delete(plot); plot.destroy(); }
    labels = sig;
    plot = new uPlot({
      width: chartWidth(box), height: 240,
      scales: { x: { time: false } },
      // y ticks with 4 significant digits: uPlot's fixed decimals turn a learning rate of
      // 8e-4 into "0.001".
      axes: [{ label: xLabel, incrs: WHOLE_STEPS },
        { size: 60, values: (u, vals) => vals.map((v) => (v == null ? '' : fmtNum(v))) }],
      series: [{ label: xLabel, value: (u, v) => fmtNum(v) }].concat(series.map((s, i) => ({
        label: s.label, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: true,
        value: (u, v) => fmtNum(v),
      }))),
    }, data, area);
    plots.add(plot);
  };
}

function chartWidth(box) {
  return Math.max(200, box.clientWidth - 26);
}

window.addEventListener('resize', () => {
  for (const p of plots) p.setSize({ width: chartWidth(p.root.closest('.chart')), height: 240 });
});
