// compare.js: 2 to 5 runs side by side at `/compare?runs=a,b`. One column per run: what
// it is, the settings that differ, the metrics, and one chart per curve with a line per run.
'use strict';

const box = document.getElementById('page');
box.before(el('h1', {}, 'Compare runs'));
const ids = (new URLSearchParams(location.search).get('runs') || '').split(',').filter(Boolean);

function runLink(id) {
  return el('a', { href: `/runs/${encodeURIComponent(id)}`, class: 'mono' }, id);
}

/** A table: a header row of run columns, then one row per [label, cells]. */
function table(id, runs, rows) {
  return el('div', { class: 'wrap' }, el('table', { id, class: 'cmp' },
    el('thead', {}, el('tr', {}, el('th', {}, ''),
      runs.map((r, i) => el('th', {}, el('span', { class: 'swatch', style: `background:${COLORS[i % COLORS.length]}` }),
        runLink(r.id))))),
    el('tbody', {}, rows.map(([label, cells]) => el('tr', {}, el('td', { class: 'muted' }, label),
      cells.map((c) => el('td', {}, c)))))));
}

function valueRows(list) {
  return list.map((s) => [s.name, s.values.map((v) => {
    const n = Number(v);
    return v !== null && v !== '' && !isNaN(n) ? fmtNum(n) : (v ?? '-');
  })]);
}

async function main() {
  initNav();
  if (ids.length < 2 || ids.length > 5) {
    showError(`compare needs 2 to 5 run ids in ?runs=a,b (got ${ids.length})`);
    setChildren(box, el('p', {}, el('a', { href: '/' }, '← pick runs on the runs page')));
    return;
  }
  let d;
  try {
    d = await api(`/api/compare?runs=${ids.map(encodeURIComponent).join(',')}`);
  } catch (e) {
    showError(e.message);
    setChildren(box, el('p', {}, el('a', { href: '/' }, '← all runs')));
    return;
  }
  const runs = d.runs;
  const chartsBox = el('div', { class: 'charts', id: 'charts' });
  setChildren(box,
    table('runs', runs, [
      ['experiment', runs.map((r) => r.experiment || '-')],
      ['status', runs.map((r) => badge(r.status))],
      ['key metric', runs.map((r) => fmtKeyMetric(r.key_metric))],
      ['backend', runs.map((r) => r.backend || '-')],
      ['seed', runs.map((r) => (r.seed ?? '-'))],
      ['started', runs.map((r) => fmtTime(r.started))],
      ['wall time', runs.map((r) => fmtWall(r))],
    ]),
    el('h2', {}, 'Settings that differ'),
    d.settings.length ? table('settings', runs, valueRows(d.settings))
      : el('p', { class: 'notice' }, 'The runs have the same settings.'),
    el('h2', {}, 'Metrics'),
    d.metrics.length ? table('metrics', runs, valueRows(d.metrics))
      : el('p', { class: 'notice' }, 'No metrics to compare.'),
    el('h2', {}, 'Curves'),
    d.curves.length ? chartsBox : el('p', { class: 'notice' }, 'No curves to compare.'));
  for (const c of d.curves) {
    // One series per run, in column order, so colours match the table's swatches.
    const series = runs.map((r) => {
      const s = c.series.find((x) => x.run === r.id);
      return { label: r.id, points: s ? s.points : [] };
    });
    const xLabel = /\bstep\b/.test(c.key) ? 'step' : 'epoch';
    makeChart(chartsBox, c.key, c.key, xLabel)(series);
  }
}

main();
