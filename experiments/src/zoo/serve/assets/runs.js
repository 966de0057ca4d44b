// runs.js: the runs table at `/`. Lists every run (newest first) from /api/runs,
// filtered by experiment (kept in the URL as ?experiment=), refreshed every 2 s without
// losing which rows are ticked; 2 to 5 ticked runs can be compared.
'use strict';

// The page's fixed part: the filter, the compare button and the table.
document.getElementById('page').innerHTML = `
<h1>Runs</h1>
<div class="toolbar">
  <label>Experiment <select id="experiment"><option value="">all</option></select></label>
  <button id="compare" class="primary" disabled>Compare selected</button>
  <span id="selected" class="muted small">select 2 to 5 runs to compare</span>
</div>
<div class="wrap">
<table id="runs">
  <thead><tr><th></th><th>id</th><th>experiment</th><th>status</th><th>epoch</th><th>key metric</th>
  <th>backend</th><th class="num">seed</th><th>started</th><th class="num">wall time</th><th></th></tr></thead>
  <tbody></tbody>
</table>
</div>
<p id="empty" class="notice" hidden></p>
`;

const tbody = document.querySelector('table#runs tbody');
const select = document.getElementById('experiment');
const compareButton = document.getElementById('compare');
const selectedNote = document.getElementById('selected');
const empty = document.getElementById('empty');

const selected = new Set();       // ids of ticked rows
const rows = new Map();           // id -> {sig, tr}
let experiment = new URLSearchParams(location.search).get('experiment') || '';

function row(run) {
  const box = el('input', { type: 'checkbox', 'aria-label': `select ${run.id}` });
  box.checked = selected.has(run.id);
  box.addEventListener('change', () => {
    if (box.checked) selected.add(run.id); else selected.delete(run.id);
    updateCompare();
  });
  const epoch = run.epoch === null || run.epoch === undefined ? '-'
    : `${run.epoch} / ${run.epochs === null || run.epochs === undefined ? '?' : run.epochs}`;
  const head = [
    el('td', {}, box),
    el('td', { class: 'mono' }, el('a', { href: `/runs/${encodeURIComponent(run.id)}` }, run.id),
      run.name ? el('div', { class: 'muted small' }, run.name) : null),
    el('td', {}, run.experiment || '-'),
    el('td', { class: 'status' }, badge(run.status)),
  ];
  if (run.damaged) {
    // A damaged run has nothing else to show: its reason takes the other columns.
    return el('tr', { 'data-id': run.id, 'data-status': run.status, title: run.damaged },
      head, el('td', { class: 'damage', colspan: 7 }, run.damaged));
  }
  return el('tr', { 'data-id': run.id, 'data-status': run.status },
    head,
    el('td', { class: 'epoch' }, epoch),
    el('td', { class: 'metric' }, fmtKeyMetric(run.key_metric)),
    el('td', {}, run.backend || '-'),
    el('td', { class: 'num' }, run.seed === null || run.seed === undefined ? '-' : String(run.seed)),
    el('td', { title: run.started || '' }, fmtTime(run.started)),
    el('td', { class: 'num' }, fmtWall(run)),
    el('td', {}, run.playground
      ? el('a', { href: `/play/${encodeURIComponent(run.id)}`, class: 'play-link' }, 'play') : ''));
}

function render(list) {
  const seen = new Set();
  for (const run of list) {
    seen.add(run.id);
    // A running run's wall time changes every refresh, so it is always rebuilt.
    const sig = JSON.stringify(run) + (run.status === 'running' ? Date.now() : '');
    let entry = rows.get(run.id);
    if (!entry || entry.sig !== sig) {
      const tr = row(run);
      if (entry) entry.tr.replaceWith(tr);
      entry = { sig, tr };
      rows.set(run.id, entry);
    }
    tbody.append(entry.tr);   // keeps the server's order
  }
  for (const [id, entry] of rows) {
    if (!seen.has(id)) { entry.tr.remove(); rows.delete(id); selected.delete(id); }
  }
  updateCompare();
}

function updateCompare() {
  const n = selected.size;
  compareButton.disabled = n < 2 || n > 5;
  selectedNote.textContent = n === 0 ? 'select 2 to 5 runs to compare'
    : `${n} selected${n > 5 ? ' (at most 5)' : n < 2 ? ' (at least 2)' : ''}`;
}

function fillExperiments(names) {
  const want = ['', ...names];
  if (experiment && !want.includes(experiment)) want.push(experiment);
  const have = [...select.options].map((o) => o.value);
  if (have.join('\n') !== want.join('\n')) {
    setChildren(select, ...want.map((n) => el('option', { value: n }, n || 'all')));
  }
  select.value = experiment;
}

async function refresh() {
  const url = experiment ? `/api/runs?experiment=${encodeURIComponent(experiment)}` : '/api/runs';
  try {
    const data = await api(url);
    showError('');
    setRoot(data.root);
    fillExperiments(data.experiments || []);
    const list = (data.runs || []).filter((r) => !experiment || r.experiment === experiment);
    render(list);
    empty.hidden = list.length > 0;
    empty.textContent = experiment ? `No runs of ${experiment} under ${data.root}.`
      : `No runs under ${data.root} yet. Train something, e.g. cargo run --release -p experiments --bin xor`;
  } catch (e) {
    showError(e.message);
  }
}

select.addEventListener('change', () => {
  experiment = select.value;
  const url = new URL(location.href);
  if (experiment) url.searchParams.set('experiment', experiment); else url.searchParams.delete('experiment');
  history.replaceState(null, '', url);
  refresh();
});

compareButton.addEventListener('click', () => {
  // In table order, so the columns match what the user sees.
  const ids = [...tbody.querySelectorAll('tr[data-id]')].map((tr) => tr.dataset.id)
    .filter((id) => selected.has(id));
  location.href = `/compare?runs=${ids.map(encodeURIComponent).join(',')}`;
});

initNav('');  // the root comes with every refresh
refresh();
setInterval(refresh, 2000);
