// bench/report/render.mjs from a fixed results object: the table's ratios come from the inputs, the
// section lists where aios is behind, the README keeps its hand-written text, and the SVG is
// well-formed XML with one polyline per series and labelled axes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  END,
  type Results,
  renderSection,
  renderSvg,
  renderTable,
  replaceSection,
  START,
} from '../../bench/report/render.mjs';

const results: Results = {
  date: '2026-11-28T19:00:00.000Z',
  quick: true,
  machine: { cpu: 'Test CPU @ 2.0GHz', cores: 2, ramGiB: 24, kernel: '6.1.0-test', load: [3.5, 4.25, 5] },
  versions: { node: 'v20.20.2', aios: 'abc1234', puppet: '7.23.0', git: '2.39.5' },
  rows: [
    {
      area: 'start-up',
      measure: '`aios --version`',
      unit: 'ms',
      aios: { median: 60, min: 50, max: 90 },
      anchor: { name: '`node -e 0`', median: 40, min: 35, max: 55 },
      why: 'node is the floor.',
    },
    {
      area: 'apply, 1000 files',
      measure: 'no-change apply',
      unit: 'ms',
      aios: { median: 500, min: 450, max: 700 },
      anchor: { name: 'puppet apply', median: 4000, min: 3900, max: 4100 },
      why: 'never printed: aios is ahead here.',
    },
    {
      area: 'policy gate',
      measure: 'bash lines (wall)',
      unit: '/s',
      higherIsBetter: true,
      aios: { median: 30000 },
    },
  ],
  notes: ['a note'],
  chart: {
    title: 'Cost vs number of file resources',
    xLabel: 'file resources (log scale)',
    yLabel: 'seconds (log scale)',
    series: [
      {
        name: 'aios first apply',
        points: [
          [100, 0.5],
          [1000, 2.2],
          [5000, 6.2],
        ],
      },
      {
        name: 'puppet first apply',
        dashed: true,
        points: [
          [100, 3],
          [1000, 7.1],
          [5000, 20.6],
        ],
      },
      { name: 'ansible first & <check>', dashed: true, points: [[100, 48.7]] },
    ],
  },
};

/** A strict little well-formedness check: balanced tags, quoted attributes, no bare & or < in text. */
function wellFormed(xml: string): { ok: boolean; why?: string } {
  const stack: string[] = [];
  const re = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  let m: RegExpExecArray | null = re.exec(xml);
  let roots = 0;
  while (m !== null) {
    const [, close, name, , selfClose, text, stray] = m;
    if (stray) return { ok: false, why: `stray < at ${m.index}` };
    if (text !== undefined) {
      if (/&(?!(amp|lt|gt|quot|apos);)/.test(text)) return { ok: false, why: `bare & in ${text}` };
      if (stack.length === 0 && text.trim()) return { ok: false, why: 'text outside the root' };
    } else if (close) {
      if (stack.pop() !== name) return { ok: false, why: `</${name}> closes the wrong tag` };
    } else {
      if (stack.length === 0) roots++;
      if (!selfClose) stack.push(name as string);
    }
    m = re.exec(xml);
  }
  if (stack.length) return { ok: false, why: `unclosed ${stack.join(',')}` };
  if (roots !== 1) return { ok: false, why: `${roots} root elements` };
  return { ok: true };
}

describe('bench report rendering', () => {
  it('computes each ratio from the row figures and says whether aios is ahead', () => {
    const table = renderTable(results.rows);
    const lines = table.split('\n');
    expect(lines).toHaveLength(2 + results.rows.length);
    // start-up: node 40 ms ÷ aios 60 ms = 0.67×, behind.
    expect(lines[2]).toContain('60 ms (50 ms–90 ms)');
    expect(lines[2]).toContain('40 ms (35 ms–55 ms)');
    expect(lines[2]).toMatch(/\| 0\.67× \| \*\*no\*\* \|$/);
    // apply: puppet 4000 ms ÷ aios 500 ms = 8.00×, ahead.
    expect(lines[3]).toContain('4.00 s (3.90 s–4.10 s)');
    expect(lines[3]).toMatch(/\| 8\.00× \| yes \|$/);
    // No anchor: no ratio.
    expect(lines[4]).toContain('30,000/s');
    expect(lines[4]).toMatch(/\| — \| — \| — \| — \|$/);
  });

  it('writes the machine, the versions and the rows where aios is not ahead into the section', () => {
    const s = renderSection(results);
    expect(s.startsWith(START)).toBe(true);
    expect(s.endsWith(END)).toBe(true);
    expect(s).toContain('Test CPU @ 2.0GHz, 2 cores, 24.0 GiB RAM, kernel 6.1.0-test');
    expect(s).toContain('3.50 / 4.25 / 5.00');
    expect(s).toContain('node v20.20.2, aios abc1234, puppet 7.23.0, ansible not installed');
    const behind = s.slice(s.indexOf('### Where aios is not ahead'), s.indexOf('### Cost vs'));
    expect(behind).toContain('start-up, `aios --version`: aios 60 ms vs `node -e 0` 40 ms (0.67×)');
    expect(behind).toContain('(0.67×). Why: node is the floor.');
    expect(behind).not.toContain('no-change apply');
    expect(behind).not.toContain('never printed');
    expect(s).toContain('](cost-vs-resources.svg)');
  });

  it('appends the markers once and later replaces only what lies between them', () => {
    const hand = '# Benchmarks\n\nhand-written table\n';
    const once = replaceSection(hand, `${START}\nfirst\n${END}`);
    expect(once).toBe(`${hand}\n${START}\nfirst\n${END}\n`);
    const twice = replaceSection(once, `${START}\nsecond\n${END}`);
    expect(twice).toBe(`${hand}\n${START}\nsecond\n${END}\n`);
    expect(twice.split(START)).toHaveLength(2);
  });

  it('draws well-formed SVG with one polyline per series and labelled axes', () => {
    const svg = renderSvg(results.chart);
    expect(wellFormed(svg)).toEqual({ ok: true });
    const polylines = [...svg.matchAll(/<polyline data-series="([^"]*)"[^>]* points="([^"]*)"/g)];
    expect(polylines.map((p) => p[1])).toEqual([
      'aios first apply',
      'puppet first apply',
      'ansible first &amp; &lt;check&gt;',
    ]);
    expect(polylines.map((p) => (p[2] as string).split(' ').length)).toEqual([3, 3, 1]);
    expect(svg).toContain('>file resources (log scale)</text>');
    expect(svg).toContain('>seconds (log scale)</text>');
    // Decade ticks on both axes cover the data: 100–10,000 files, 0.1–100 s.
    for (const tick of ['>100<', '>1,000<', '>10,000<', '>0.1<', '>1<', '>10<', '>100<'])
      expect(svg).toContain(tick);
  });

  it('places a slower series higher on the chart (smaller y) at the same size', () => {
    const svg = renderSvg(results.chart);
    const firstY = (name: string) => {
      const m = svg.match(new RegExp(`data-series="${name}"[^>]* points="[\\d.]+,([\\d.]+)`));
      return Number(m?.[1]);
    };
    expect(firstY('puppet first apply')).toBeLessThan(firstY('aios first apply'));
  });

  it('rejects XML that is not well-formed, so the SVG check means something', () => {
    expect(wellFormed('<svg><g></svg>').ok).toBe(false);
    expect(wellFormed('<svg><text>a & b</text></svg>').ok).toBe(false);
  });
});

describe('bench/run --render', () => {
  it('rewrites only the marked section of a README and writes the SVG beside it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aios-bench-report-'));
    try {
      const hand = '# Benchmarks\n\nhand-written text\n';
      writeFileSync(join(dir, 'README.md'), `${hand}\n${START}\nold figures\n${END}\n`);
      writeFileSync(join(dir, 'results.json'), JSON.stringify(results));
      const r = spawnSync('bench/run', ['--render', join(dir, 'results.json')], {
        env: { ...process.env, AIOS_BENCH_OUT: dir },
        encoding: 'utf8',
      });
      expect(r.status).toBe(0);
      const readme = readFileSync(join(dir, 'README.md'), 'utf8');
      expect(readme.startsWith(`${hand}\n${START}`)).toBe(true);
      expect(readme).not.toContain('old figures');
      expect(readme).toContain('| 8.00× | yes |');
      expect(readme.split(END)).toHaveLength(2);
      expect(existsSync(join(dir, 'cost-vs-resources.svg'))).toBe(true);
      expect(readFileSync(join(dir, 'cost-vs-resources.svg'), 'utf8')).toBe(renderSvg(results.chart));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
