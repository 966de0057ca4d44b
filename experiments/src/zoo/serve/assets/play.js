// play.js: the playground of a finished run at `/play/<id>`. For mnist you draw a digit
// (or a piece of clothing) and the network answers while you draw; for xor, svm and
// kmeans you click on a 2-D plane that shows the model's decision surface and the
// model says what it makes of that point. Answers come from POST /api/runs/<id>/predict.
'use strict';

const runId = idFromPath();
const playBox = document.getElementById('page');
const predictUrl = `/api/runs/${encodeURIComponent(runId)}/predict`;

const WHAT = {
  mnist: (p) => (p.dataset === 'fashion'
    ? 'a neural network that sorts 28×28 pictures of clothing into 10 kinds (Fashion-MNIST)'
    : 'a neural network that reads handwritten digits (MNIST)'),
  xor: () => 'a small neural network trained on a logic gate of two inputs; the colour is its P(1)',
  svm: () => 'a linear support vector machine; the colour is the sign of its decision value, the line is where it is 0',
  kmeans: (p) => `k-means with ${p.classes.length} clusters; the colour is the nearest centroid (×)`,
};
const HOW = {
  mnist: (p) => `Draw ${p.dataset === 'fashion' ? 'something' : 'a digit'} in the black square with the mouse, a pen or a finger. The network answers while you draw.`,
  plane: 'Click anywhere on the plane to ask the model about that point.',
};

/** Sets the answer on #prediction: text, data-class, data-label and data-count. */
let answers = 0;
function setPrediction(node, text, cls, label) {
  answers += 1;
  node.textContent = text;
  node.dataset.class = String(cls);
  node.dataset.label = label;
  node.dataset.count = String(answers);
}

// ---- mnist: draw, predict while drawing --------------------------------------

function mnist(play) {
  const canvas = el('canvas', { id: 'draw', width: 280, height: 280 });
  const ctx = canvas.getContext('2d');
  const small = el('canvas', { width: 112, height: 112 });
  const sctx = small.getContext('2d', { willReadFrequently: true });
  const input = el('canvas', { id: 'input28', width: 28, height: 28 });
  const ictx = input.getContext('2d');
  const prediction = el('div', { id: 'prediction', class: 'big', 'data-count': '0' }, '–');
  const millis = el('p', { class: 'muted small', id: 'millis' });
  const bars = el('div', { id: 'bars' });
  const barRows = play.classes.map((label, i) => {
    const fill = el('div', { class: 'fill' });
    const pct = el('span', { class: 'pct' }, '');
    bars.append(el('div', { class: 'bar', 'data-class': i }, el('span', {}, label), el('div', { class: 'track' }, fill), pct));
    return { row: bars.lastChild, fill, pct };
  });
  const clear = el('button', { id: 'clear' }, 'Clear');
  playBox.append(el('div', { class: 'play' },
    el('div', {}, canvas, el('p', {}, clear)),
    el('div', {}, el('h3', {}, 'The network says'), prediction, bars, millis),
    el('div', {}, el('h3', {}, 'What the network sees'), input,
      el('p', { class: 'muted small' }, 'your drawing shrunk to 28×28,', el('br'), 'as the training images were')),
  ));

  let drawing = false; let last = null;
  let inFlight = false; let pending = false;
  let generation = 0;   // bumped by Clear, so late answers are dropped

  function blank() {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  }
  function pos(e) {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
  }
  function strokeTo(p) {
    Object.assign(ctx, { strokeStyle: '#fff', lineWidth: 20, lineCap: 'round', lineJoin: 'round' });
    ctx.beginPath();
    ctx.moveTo(last[0], last[1]);
    ctx.lineTo(p[0], p[1]);
    ctx.stroke();
    last = p;
  }
  /** The drawing as 112×112 gray values (the red channel), or null when there is no ink. */
  function pixels() {
    sctx.imageSmoothingEnabled = true;
    sctx.imageSmoothingQuality = 'high';
    sctx.drawImage(canvas, 0, 0, small.width, small.height);
    const rgba = sctx.getImageData(0, 0, small.width, small.height).data;
    const gray = new Array(small.width * small.height);
    let ink = false;
    for (let i = 0; i < gray.length; i++) { gray[i] = rgba[i * 4]; ink = ink || gray[i] > 0; }
    return ink ? gray : null;
  }
  function ask() {
    if (inFlight) { pending = true; return; }
    const gray = pixels();
    if (!gray) return;
    inFlight = true;
    const gen = generation;
    postJSON(predictUrl, { width: small.width, height: small.height, pixels: gray })
      .then((a) => { if (gen === generation) { showError(''); show(a); } })
      .catch((e) => { if (gen === generation) showError(e.message); })
      .finally(() => {
        inFlight = false;
        if (pending) { pending = false; ask(); }
      });
  }
  function show(a) {
    const label = a.label ?? play.classes[a.class];
    setPrediction(prediction, label, a.class, label);
    a.probabilities.forEach((p, i) => {
      barRows[i].fill.style.width = `${(p * 100).toFixed(1)}%`;
      barRows[i].pct.textContent = `${(p * 100).toFixed(1)}%`;
      barRows[i].row.classList.toggle('top', i === a.class);
    });
    const img = ictx.createImageData(28, 28);
    a.input.forEach((v, i) => { img.data.set([v, v, v, 255], i * 4); });
    ictx.putImageData(img, 0, 0);
    millis.textContent = a.millis === undefined ? '' : `answered in ${fmtNum(a.millis)} ms`;
  }

  canvas.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    drawing = true;
    last = pos(e);
    strokeTo(last);   // a dot
    ask();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    strokeTo(pos(e));
    ask();
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    ask();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  clear.addEventListener('click', () => {
    generation += 1;
    pending = false;
    blank();
    ictx.clearRect(0, 0, 28, 28);
    prediction.textContent = '–';
    prediction.removeAttribute('data-class');
    prediction.removeAttribute('data-label');
    millis.textContent = '';
    for (const b of barRows) { b.fill.style.width = '0'; b.pct.textContent = ''; b.row.classList.remove('top'); }
    showError('');
  });
  blank();
}

// ---- xor / svm / kmeans: a clickable plane -----------------------------------

const BLUE = '#1f5fbf';
const RED = '#c8312b';

function rgb(hex) {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}
/** `hex` mixed into white by t (0 = white). */
function tint(hex, t) {
  return rgb(hex).map((c) => Math.round(255 + (c - 255) * t));
}

/** Tick positions with a 1/2/5 step, about 6 over [lo, hi]. */
function ticks(lo, hi) {
  const raw = (hi - lo) / 6;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const out = [];
  for (let k = Math.ceil(lo / step); k * step <= hi + step * 1e-9; k++) out.push(Number((k * step).toFixed(10)));
  return out;
}

function plane(play) {
  const { kind, classes } = play;
  const [x0, x1] = play.x;
  const [y0, y1] = play.y;
  const { nx, ny, values } = play.grid;
  const W = 480; const H = 480; const L = 64; const T = 16; const pw = W - L - 16; const ph = H - T - 56;
  const sx = (x) => L + (x - x0) / (x1 - x0) * pw;
  const sy = (y) => T + (y1 - y) / (y1 - y0) * ph;
  const classColor = (c) => (kind === 'kmeans' ? COLORS[c % COLORS.length] : c > 0 ? RED : BLUE);
  const vmax = Math.max(1e-9, ...values.map(Math.abs));
  const heat = {
    xor: (p) => (p >= 0.5 ? tint(RED, (p - 0.5) * 1.2) : tint(BLUE, (0.5 - p) * 1.2)),
    svm: (v) => tint(v > 0 ? RED : BLUE, 0.6 * Math.sqrt(Math.abs(v) / vmax)),
    kmeans: (c) => tint(classColor(c), 0.28),
  }[kind];

  // data-x0/x1: the canvas columns of x = x[0] and x[1]; data-y0/y1: the rows of y = y[0] and y[1]
  const canvas = el('canvas', { id: 'plane', width: W, height: H, 'data-x0': L, 'data-x1': L + pw, 'data-y0': T + ph, 'data-y1': T });
  const ctx = canvas.getContext('2d');
  const base = el('canvas', { width: W, height: H });
  const prediction = el('div', { id: 'prediction', 'data-count': '0' }, '–');
  const millis = el('p', { class: 'muted small', id: 'millis' });
  const cursor = el('p', { class: 'muted small', id: 'cursor' }, '\u00a0');
  const history = el('ol', { id: 'history', reversed: true });
  const legend = el('p', { class: 'small' }, classes.map((c, i) =>
    el('span', { style: 'margin-right:14px' }, el('span', { class: 'swatch', style: `background:${classColor(i)}` }),
      kind === 'kmeans' ? `cluster ${c}` : `class ${c}`)));
  playBox.append(el('div', { class: 'play' },
    el('div', {}, canvas, cursor),
    el('div', { style: 'min-width:300px' }, el('h3', {}, 'The model says'), prediction, millis, legend,
      el('h3', {}, 'Your points'), history)));

  drawBase(base.getContext('2d'));
  const clicks = [];

  function drawBase(g) {
    // the surface: one image pixel per grid value, centred on where it was computed
    const img = new ImageData(nx, ny);
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) img.data.set([...heat(values[j * nx + i]), 255], ((ny - 1 - j) * nx + i) * 4);
    }
    const cells = el('canvas', { width: nx, height: ny });
    cells.getContext('2d').putImageData(img, 0, 0);
    const cw = pw / (nx - 1); const ch = ph / (ny - 1);
    g.fillStyle = '#fff';
    g.fillRect(0, 0, W, H);
    g.save();
    g.beginPath(); g.rect(L, T, pw, ph); g.clip();
    g.imageSmoothingEnabled = kind !== 'kmeans';
    g.drawImage(cells, L - cw / 2, T - ch / 2, pw + cw, ph + ch);
    if (kind === 'xor') contour(g, 0.5, []);
    if (kind === 'svm') { contour(g, 0, []); contour(g, 1, [5, 4]); contour(g, -1, [5, 4]); }
    g.restore();
    for (const [x, y, c] of play.points || []) {
      g.beginPath(); g.arc(sx(x), sy(y), 4, 0, 2 * Math.PI);
      g.fillStyle = classColor(c); g.fill();
      g.lineWidth = 1.5; g.strokeStyle = '#fff'; g.stroke();
    }
    (play.centroids || []).forEach(([x, y], i) => {
      for (const [width, colour] of [[8, '#fff'], [4, classColor(i)]]) {
        g.beginPath();
        g.moveTo(sx(x) - 10, sy(y) - 10); g.lineTo(sx(x) + 10, sy(y) + 10);
        g.moveTo(sx(x) + 10, sy(y) - 10); g.lineTo(sx(x) - 10, sy(y) + 10);
        g.lineWidth = width; g.lineCap = 'round'; g.strokeStyle = colour; g.stroke();
      }
    });
    axes(g);
  }

  /** The line where the grid crosses `level` (marching squares). */
  function contour(g, level, dash) {
    const v = (i, j) => values[j * nx + i] - level;
    const px = (i) => L + i / (nx - 1) * pw;
    const py = (j) => T + ph - j / (ny - 1) * ph;
    g.beginPath();
    for (let j = 0; j < ny - 1; j++) {
      for (let i = 0; i < nx - 1; i++) {
        const corners = [[i, j], [i + 1, j], [i + 1, j + 1], [i, j + 1]];
        const hits = [];
        for (let k = 0; k < 4; k++) {
          const [ai, aj] = corners[k]; const [bi, bj] = corners[(k + 1) % 4];
          const a = v(ai, aj); const b = v(bi, bj);
          if ((a < 0) !== (b < 0)) {
            const t = a / (a - b);
            hits.push([px(ai + (bi - ai) * t), py(aj + (bj - aj) * t)]);
          }
        }
        for (let k = 0; k + 1 < hits.length; k += 2) { g.moveTo(...hits[k]); g.lineTo(...hits[k + 1]); }
      }
    }
    g.setLineDash(dash);
    g.lineWidth = dash.length ? 1 : 2;
    g.strokeStyle = '#333';
    g.stroke();
    g.setLineDash([]);
  }

  function axes(g) {
    g.strokeStyle = '#888'; g.lineWidth = 1;
    g.strokeRect(L + 0.5, T + 0.5, pw, ph);
    g.fillStyle = '#333'; g.font = '12px system-ui, sans-serif';
    g.textAlign = 'center'; g.textBaseline = 'top';
    for (const t of ticks(x0, x1)) {
      g.fillRect(sx(t), T + ph, 1, 5);
      g.fillText(fmtNum(t), sx(t), T + ph + 8);
    }
    g.textAlign = 'right'; g.textBaseline = 'middle';
    for (const t of ticks(y0, y1)) {
      g.fillRect(L - 5, sy(t), 5, 1);
      g.fillText(fmtNum(t), L - 8, sy(t));
    }
    g.font = '600 13px system-ui, sans-serif'; g.textAlign = 'center'; g.textBaseline = 'alphabetic';
    g.fillText(play.axes[0], L + pw / 2, H - 14);
    g.save(); g.translate(16, T + ph / 2); g.rotate(-Math.PI / 2);
    g.textBaseline = 'top'; g.fillText(play.axes[1], 0, 0); g.restore();
  }

  function redraw() {
    ctx.drawImage(base, 0, 0);
    clicks.forEach((c, n) => {
      const newest = n === clicks.length - 1;
      ctx.beginPath(); ctx.arc(sx(c.x), sy(c.y), newest ? 8 : 6, 0, 2 * Math.PI);
      ctx.fillStyle = '#fff'; ctx.fill();
      ctx.lineWidth = newest ? 4 : 3;
      ctx.strokeStyle = c.answer ? classColor(c.answer.class) : '#999'; ctx.stroke();
      ctx.beginPath(); ctx.arc(sx(c.x), sy(c.y), 2, 0, 2 * Math.PI); ctx.fillStyle = '#000'; ctx.fill();
    });
  }

  function describe(a) {
    const label = a.label ?? classes[a.class];
    if (kind === 'xor') return `P(${classes[1]}) = ${a.probability.toFixed(2)} → class ${label}`;
    if (kind === 'svm') return `decision value ${a.decision_value.toFixed(2).replace('-', '−')} → class ${label}`;
    const d = (a.distances || []).map((x, i) => `${classes[i] ?? i} ${fmtNum(x)}`).join(', ');
    return `cluster ${label} (distances ${d})`;
  }

  function dataAt(e) {
    const r = canvas.getBoundingClientRect();
    const px = (e.clientX - r.left) * W / r.width;
    const py = (e.clientY - r.top) * H / r.height;
    if (px < L || px > L + pw || py < T || py > T + ph) return null;
    return [x0 + (px - L) / pw * (x1 - x0), y1 - (py - T) / ph * (y1 - y0)];
  }

  canvas.addEventListener('mousemove', (e) => {
    const p = dataAt(e);
    cursor.textContent = p ? `${play.axes[0]} = ${fmtNum(p[0])}, ${play.axes[1]} = ${fmtNum(p[1])}` : '\u00a0';
  });
  canvas.addEventListener('click', async (e) => {
    const p = dataAt(e);
    if (!p) return;
    const click = { x: p[0], y: p[1], answer: null };
    clicks.push(click);
    if (clicks.length > 20) clicks.shift();
    redraw();
    try {
      const a = await postJSON(predictUrl, { point: p });
      showError('');
      click.answer = a;
      redraw();
      const text = describe(a);
      setPrediction(prediction, text, a.class, a.label ?? classes[a.class]);
      millis.textContent = a.millis === undefined ? '' : `answered in ${fmtNum(a.millis)} ms`;
      history.prepend(el('li', {}, el('span', { class: 'swatch', style: `background:${classColor(a.class)}` }),
        `(${fmtNum(p[0])}, ${fmtNum(p[1])}): ${text}`));
      while (history.children.length > 10) history.lastChild.remove();
    } catch (err) {
      showError(err.message);
    }
  });
  redraw();
}

async function main() {
  initNav();
  const id = encodeURIComponent(runId);
  let play;
  let run = null;
  try {
    [play, run] = await Promise.all([
      api(`/api/runs/${id}/play`),
      api(`/api/runs/${id}`).then((d) => d.run, () => null),
    ]);
  } catch (e) {
    showError(e.message);
    setChildren(playBox, el('p', {}, el('a', { href: `/runs/${id}` }, '← the run'), ' · ', el('a', { href: '/' }, 'all runs')));
    return;
  }
  const what = (WHAT[play.kind] || (() => play.kind))(play);
  document.title = `play ${run ? run.experiment : play.kind} · zoo`;
  setChildren(playBox,
    el('h1', {}, 'Playground'),
    el('p', { id: 'title' }, el('strong', {}, run ? run.experiment : play.kind), ' · run ',
      el('a', { href: `/runs/${id}`, class: 'mono' }, runId), ' · ', what),
    el('p', { class: 'muted' }, play.kind === 'mnist' ? HOW.mnist(play) : HOW.plane));
  if (play.kind === 'mnist') mnist(play); else plane(play);
}

main();
