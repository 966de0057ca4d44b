// run.js: one run at `/runs/<id>`. Shows what the run is (header, command line,
// problems), its curves (one uPlot chart per metric, train and valid overlaid, plus the
// per-step curves), summary metrics, config, images and files. While the run is
// running the curves are re-fetched every second; when it stops the page is refreshed once.
'use strict';

const runId = idFromPath();
const root = document.getElementById('page');
const top_ = el('div');
const chartsBox = el('div', { class: 'charts', id: 'charts' });
const chartsNote = el('p', { class: 'notice', hidden: true });
const bottom = el('div');
const charts = new Map();   // data-key -> draw(series)
let plannedEpochs = null;
let lastRun = null;         // the run row last shown in the header
const fileUrl = (name) => `/api/runs/${encodeURIComponent(runId)}/files/${encodeURIComponent(name)}`;

/** [[dotted key, value, depth], ...] of the leaves of a JSON object. */
function flatten(obj, prefix = '', depth = 0, out = []) {
  for (const [k, v] of Object.entries(obj || {})) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length) flatten(v, key, depth + 1, out);
    else out.push([key, v, depth]);
  }
  return out;
}

function keyCell(key, depth) {
  const dot = key.lastIndexOf('.');
  return el('td', { style: `padding-left:${10 + depth * 16}px` },
    dot < 0 ? key : [el('span', { class: 'muted small' }, key.slice(0, dot + 1)), key.slice(dot + 1)]);
}

function plain(v) {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function configTable(config) {
  return el('table', { class: 'kv', id: 'config' }, el('tbody', {},
    flatten(config).map(([k, v, d]) => el('tr', {}, keyCell(k, d), el('td', { class: 'val mono' }, plain(v))))));
}

function summaryTable(summary) {
  const metrics = summary.metrics && typeof summary.metrics === 'object' ? summary.metrics : summary;
  const rows = [];
  const skipped = [];
  for (const [k, v, d] of flatten(metrics)) {
    if (Array.isArray(v) && (v.length > 20 || v.some((x) => x && typeof x === 'object' && !Array.isArray(x)))) {
      skipped.push(`${k} (${v.length} entries)`);
      continue;
    }
    const text = typeof v === 'number' ? fmtNum(v)
      : Array.isArray(v) ? JSON.stringify(v, (_, x) => (typeof x === 'number' ? Number(fmtNum(x)) : x)) : plain(v);
    rows.push(el('tr', {}, keyCell(k, d), el('td', { class: 'val', title: plain(v) }, text)));
  }
  return [
    el('table', { class: 'kv', id: 'summary' }, el('tbody', {}, rows)),
    skipped.length ? el('p', { class: 'muted small' }, `Not shown: ${skipped.join(', ')}.`) : null,
  ];
}

function fmtBytes(n) {
  if (n === null || n === undefined) return '-';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function quote(arg) {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}

function renderDetail(d) {
  const run = d.run;
  const rec = d.record || {};
  plannedEpochs = run.epochs;
  lastRun = run;
  document.title = `${run.id} · zoo`;
  const meta = [
    ['experiment', run.experiment || '-'],
    ['status', [badge(run.status), rec.error ? el('span', { class: 'muted' }, ` ${rec.error}`) : null]],
    ['epoch', el('span', { id: 'run-epoch' }, run.epoch === null || run.epoch === undefined ? '-'
      : `${run.epoch} / ${run.epochs ?? '?'}`)],
    ['key metric', fmtKeyMetric(run.key_metric)],
    ['backend', `${run.backend || '-'} / ${run.device || '-'}`],
    ['seed', run.seed ?? '-'],
    ['started', fmtTime(run.started)],
    ['ended', fmtTime(run.ended)],
    ['wall time', el('span', { id: 'run-wall' }, fmtWall(run))],
    ['command', el('code', { id: 'command' }, Array.isArray(rec.command) ? rec.command.map(quote).join(' ') : '-')],
  ];
  const problems = [...(d.problems || [])];
  if (run.damaged) problems.unshift(run.damaged);
  setChildren(top_,
    el('h1', {}, run.id, run.name ? el('span', { class: 'muted' }, ` (${run.name})`) : null),
    el('dl', { class: 'meta', id: 'header' }, meta.map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])),
    problems.length ? el('div', { class: 'problems', id: 'problems' },
      el('strong', {}, 'Problems with this run'), el('ul', {}, problems.map((p) => el('li', {}, p)))) : null,
    el('div', { class: 'links' },
      el('a', { href: '/' }, '← all runs'),
      run.playground ? el('a', { href: `/play/${encodeURIComponent(run.id)}`, id: 'play-link' },
        'Try the model in the playground →') : null));

  const files = d.files || [];
  const images = files.filter((f) => f.kind === 'image');
  setChildren(bottom,
    d.summary ? [el('h2', {}, 'Summary'), summaryTable(d.summary)] : null,
    d.config ? [el('h2', {}, 'Config'), configTable(d.config)] : null,
    images.length ? [el('h2', {}, 'Images'), el('div', { class: 'images', id: 'images' }, images.map((f) =>
      el('figure', {}, el('a', { href: fileUrl(f.name), target: '_blank' },
        el('img', { src: fileUrl(f.name), alt: f.name, loading: 'lazy' })), el('figcaption', {}, f.name))))] : null,
    el('h2', {}, 'Files'),
    files.length ? el('table', { class: 'kv', id: 'files' }, el('tbody', {}, files.map((f) => el('tr', {},
      el('td', {}, el('a', { href: fileUrl(f.name), target: '_blank' }, f.name)),
      el('td', { class: 'num' }, fmtBytes(f.bytes)), el('td', { class: 'muted' }, f.kind)))))
      : el('p', { class: 'notice' }, 'No files.'));
}

function chart(key, title, xLabel) {
  if (!charts.has(key)) charts.set(key, makeChart(chartsBox, key, title, xLabel, { 'data-x': xLabel }));
  return charts.get(key);
}

function drawCurves(c) {
  const byKey = new Map();
  for (const s of c.per_epoch || []) {
    if (!byKey.has(s.key)) byKey.set(s.key, []);
    byKey.get(s.key).push({ label: s.split, points: s.points });
  }
  for (const [key, series] of byKey) chart(key, `${key} per epoch`, 'epoch')(series);
  for (const s of c.per_step || []) {
    chart(`step:${s.key}`, `train ${s.key} per step`, 'step')([{ label: `train ${s.key}`, points: s.points }]);
  }
  chartsNote.hidden = charts.size > 0;
  chartsNote.textContent = 'No metric logs in this run.';
  const epoch = document.getElementById('run-epoch');
  if (epoch && c.epoch !== null && c.epoch !== undefined) epoch.textContent = `${c.epoch} / ${plannedEpochs ?? '?'}`;
  const wall = document.getElementById('run-wall');
  if (wall && lastRun && c.status === 'running') wall.textContent = fmtWall(lastRun);
}

async function loadDetail() {
  const d = await api(`/api/runs/${encodeURIComponent(runId)}`);
  renderDetail(d);
  return d;
}

let live = false;
async function curvesLoop() {
  let c;
  try {
    c = await api(`/api/runs/${encodeURIComponent(runId)}/curves`);
  } catch (e) {
    showError(e.message);
    if (live && e.status !== 404) setTimeout(curvesLoop, 1000);
    return;
  }
  showError('');
  drawCurves(c);
  if (!live) return;
  if (c.status === 'running') { setTimeout(curvesLoop, 1000); return; }
  live = false;   // it ended: refresh the header, summary and files once
  try { await loadDetail(); } catch (e) { showError(e.message); }
}

async function main() {
  initNav();
  setChildren(root, top_, el('h2', {}, 'Curves'), chartsNote, chartsBox, bottom);
  try {
    const d = await loadDetail();
    live = d.run.status === 'running';
  } catch (e) {
    showError(e.message);
    setChildren(top_, el('p', {}, el('a', { href: '/' }, '← all runs')));
    return;
  }
  curvesLoop();
}

main();
