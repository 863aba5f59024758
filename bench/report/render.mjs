// Renders the bench/run results object into the generated section of bench/README.md and the
// cost-vs-resources SVG. Pure functions of the results: no I/O, no clock, no process (run.mjs measures
// and writes; this only formats), so the report is testable from a fixed object.

export const START = '<!-- bench/run: start -->';
export const END = '<!-- bench/run: end -->';

const esc = (s) =>
  String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A figure in its row's unit: seconds and milliseconds by size, rates rounded. */
export function fmt(x, unit) {
  if (x === undefined || x === null || Number.isNaN(x)) return '—';
  if (unit === '/s') return `${Math.round(x).toLocaleString('en-US')}/s`;
  if (unit === 'MB') return `${x.toFixed(0)} MB`;
  if (x >= 1000) return `${(x / 1000).toFixed(2)} s`;
  return `${x.toFixed(x < 10 ? 1 : 0)} ms`;
}

// One run (min = max) shows as just its figure.
const span = (f, unit) =>
  f.min === undefined || f.max === undefined || f.min === f.max
    ? fmt(f.median, unit)
    : `${fmt(f.median, unit)} (${fmt(f.min, unit)}–${fmt(f.max, unit)})`;

/**
 * How many times better aios is than the anchor on this row: anchor time ÷ aios time (a rate: aios ÷
 * anchor). Above 1 aios is ahead, below 1 it is not. Undefined without an anchor.
 */
export function ratio(row) {
  if (!row.anchor || !row.aios.median || !row.anchor.median) return undefined;
  return row.higherIsBetter ? row.aios.median / row.anchor.median : row.anchor.median / row.aios.median;
}

/** Medians with min–max, the anchor beside each, and the ratio; one markdown table. */
export function renderTable(rows) {
  const out = [
    '| area | measure | aios median (min–max) | anchor | anchor median (min–max) | aios vs anchor | ahead? |',
    '| --- | --- | ---: | --- | ---: | ---: | --- |',
  ];
  for (const r of rows) {
    const q = ratio(r);
    const ahead = q === undefined ? '—' : q >= 1 ? 'yes' : '**no**';
    out.push(
      `| ${r.area} | ${r.measure} | ${span(r.aios, r.unit)} | ${r.anchor ? r.anchor.name : '—'} | ${
        r.anchor ? span(r.anchor, r.unit) : '—'
      } | ${q === undefined ? '—' : `${q.toFixed(2)}×`} | ${ahead} |`,
    );
  }
  return out.join('\n');
}

/** Rows where aios is behind its anchor, in words. */
export function notAhead(rows) {
  return rows
    .filter((r) => {
      const q = ratio(r);
      return q !== undefined && q < 1;
    })
    .map(
      (r) =>
        `- ${r.area}, ${r.measure}: aios ${fmt(r.aios.median, r.unit)} vs ${r.anchor.name} ${fmt(r.anchor.median, r.unit)} (${ratio(r).toFixed(2)}×).${r.why ? ` Why: ${r.why}` : ''}`,
    );
}

const log10 = (x) => Math.log(x) / Math.LN10;
const PALETTE = ['#1f77b4', '#2ca02c', '#d62728', '#ff7f0e', '#9467bd', '#8c564b', '#17becf'];

/**
 * Log–log line chart: one polyline (plus a dot per point) per series, decade ticks labelled on both
 * axes, axis titles and a legend. Log scales because sizes span 100–5000 and times 0.1–100 s.
 */
export function renderSvg(chart) {
  const W = 720;
  const H = 440;
  const m = { l: 70, r: 200, t: 40, b: 60 };
  const pts = chart.series.flatMap((s) => s.points).filter(([x, y]) => x > 0 && y > 0);
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const x0 = Math.floor(log10(Math.min(...xs, 100)));
  const x1 = Math.max(x0 + 1, Math.ceil(log10(Math.max(...xs, 1000))));
  const y0 = Math.floor(log10(Math.min(...ys, 0.1)));
  const y1 = Math.max(y0 + 1, Math.ceil(log10(Math.max(...ys, 1))));
  const px = (x) => m.l + ((log10(x) - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (y) => H - m.b - ((log10(y) - y0) / (y1 - y0)) * (H - m.t - m.b);
  const r2 = (v) => Math.round(v * 10) / 10;
  const el = [];
  el.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  );
  // A title element: what screen readers announce (and what lint asks of every SVG).
  el.push(`<title>${esc(chart.title)}</title>`);
  el.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="white"/>`);
  el.push(`<text x="${m.l}" y="22" font-size="14" font-weight="bold">${esc(chart.title)}</text>`);
  for (let d = x0; d <= x1; d++) {
    const x = r2(px(10 ** d));
    el.push(`<line x1="${x}" y1="${m.t}" x2="${x}" y2="${H - m.b}" stroke="#ddd"/>`);
    el.push(
      `<text x="${x}" y="${H - m.b + 16}" text-anchor="middle">${esc((10 ** d).toLocaleString('en-US'))}</text>`,
    );
  }
  for (let d = y0; d <= y1; d++) {
    const y = r2(py(10 ** d));
    el.push(`<line x1="${m.l}" y1="${y}" x2="${W - m.r}" y2="${y}" stroke="#ddd"/>`);
    el.push(`<text x="${m.l - 6}" y="${y + 4}" text-anchor="end">${esc(String(10 ** d))}</text>`);
  }
  el.push(`<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="black"/>`);
  el.push(`<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="black"/>`);
  el.push(
    `<text x="${r2((m.l + W - m.r) / 2)}" y="${H - 18}" text-anchor="middle">${esc(chart.xLabel)}</text>`,
  );
  el.push(
    `<text x="18" y="${r2((m.t + H - m.b) / 2)}" text-anchor="middle" transform="rotate(-90 18 ${r2((m.t + H - m.b) / 2)})">${esc(chart.yLabel)}</text>`,
  );
  chart.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const p = s.points.filter(([x, y]) => x > 0 && y > 0);
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    el.push(
      `<polyline data-series="${esc(s.name)}" fill="none" stroke="${color}" stroke-width="2"${dash} points="${p
        .map(([x, y]) => `${r2(px(x))},${r2(py(y))}`)
        .join(' ')}"/>`,
    );
    for (const [x, y] of p) el.push(`<circle cx="${r2(px(x))}" cy="${r2(py(y))}" r="3" fill="${color}"/>`);
    const ly = m.t + 10 + i * 20;
    el.push(
      `<line x1="${W - m.r + 15}" y1="${ly}" x2="${W - m.r + 40}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`,
    );
    el.push(`<text x="${W - m.r + 46}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  el.push('</svg>');
  return `${el.join('\n')}\n`;
}

/** The whole generated section, markers included. */
export function renderSection(res, svgName = 'cost-vs-resources.svg') {
  const mc = res.machine;
  const v = res.versions;
  const lines = [
    START,
    '',
    `## Side by side (generated by \`bench/run${res.quick ? ' --quick' : ''}\`, ${res.date})`,
    '',
    'Do not edit by hand: `bench/run` rewrites everything between the markers. Raw results: `bench/results/` (not committed).',
    res.quick
      ? 'This is a **quick** run (small sizes, few repetitions, anchors that are not installed skipped); `bench/run` without `--quick` gives the full figures.'
      : 'Full run.',
    '',
    `**Machine**: ${mc.cpu}, ${mc.cores} cores, ${mc.ramGiB.toFixed(1)} GiB RAM, kernel ${mc.kernel}, load average at start ${mc.load
      .map((x) => x.toFixed(2))
      .join(' / ')} (1 / 5 / 15 min).`,
    '',
    `**Versions**: node ${v.node}, aios ${v.aios}, puppet ${v.puppet ?? 'not installed'}, ansible ${
      v.ansible ?? 'not installed'
    }, restic ${v.restic ?? 'not installed'}, git ${v.git ?? 'not installed'}.`,
    '',
    '"aios vs anchor" is the anchor\'s time ÷ aios\'s time (for rates, aios ÷ anchor): above 1× aios is ahead, below it is not. A figure without min–max is a single run or a median kept without its runs.',
    '',
    renderTable(res.rows),
    '',
  ];
  const behind = notAhead(res.rows);
  lines.push('### Where aios is not ahead in this run', '');
  if (behind.length) lines.push(...behind);
  else lines.push('- Nowhere among the rows above that have an anchor.');
  if (res.notes?.length) lines.push('', ...res.notes.map((n) => `- ${n}`));
  lines.push('', `### Cost vs number of resources`, '', `![${esc(res.chart.title)}](${svgName})`, '');
  lines.push(END);
  return lines.join('\n');
}

/** Replaces the marked section of a README, or appends it once at the end; text above is kept. */
export function replaceSection(readme, section) {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a !== -1 && b > a) return readme.slice(0, a) + section + readme.slice(b + END.length);
  return `${readme.replace(/\n*$/, '\n')}\n${section}\n`;
}
