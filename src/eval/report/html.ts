/**
 * The report as a self-contained HTML page (`report.html`): the tables, Chart.js inlined from
 * node_modules, the chart data as inline JSON, and the page's own script and style sheet.
 *
 * The script (`page.js`: the charts and the decode-order heatmaps drawn on canvases) and the
 * style sheet (`page.css`) are plain asset files beside this module, read at report time and
 * inlined verbatim. They are found relative to this module's URL, so they resolve from the
 * sources (run through tsx, as `bin/infogain.js` does, and in an installed package) and from
 * `npm run build`'s output, which copies them next to the compiled module.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mix32 } from '../../core/rng.js';
import type { ResultLine } from '../results.js';
import { metaLines } from './markdown.js';
import { lineValue, ReportError, type Report } from './model.js';
import { reportTables, type TableModel } from './tables.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function htmlTable(t: TableModel): string {
  const th = t.head.map((h, i) => `<th class="${t.align[i]}">${esc(h)}</th>`).join('');
  const rows = t.rows.map((r) => `<tr>${r.map((c, i) => `<td class="${t.align[i]}">${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<h2>${esc(t.title)}</h2>\n<table><thead><tr>${th}</tr></thead><tbody>\n${rows}\n</tbody></table>${t.note ? `\n<p class="note">${esc(t.note)}</p>` : ''}`;
}

/** The Chart.js UMD bundle from node_modules, read at report time. */
export function chartJsSource(): string {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve('chart.js');
  } catch {
    throw new ReportError('report: the chart.js package is not installed (npm ci)');
  }
  const path = join(dirname(entry), 'chart.umd.min.js');
  if (!existsSync(path)) throw new ReportError(`report: ${path} is missing; reinstall chart.js`);
  return readFileSync(path, 'utf8');
}

/** Heatmap rows embedded per sampler (the mean strip uses every example). */
export const HEATMAP_MAX_ROWS = 100;

/** The data the page's charts draw, as embedded in report.html. */
export function chartData(report: Report, lines: readonly ResultLine[]) {
  const acc = report.kind === 'accuracy';
  const names = report.samplers.map((s) => s.sampler);
  const own = new Map<string, ResultLine[]>(names.map((n) => [n, []]));
  const seen = new Set<string>();
  for (const l of lines) {
    const k = `${l.sampler}\u0000${l.example}`;
    if (seen.has(k) || !own.has(l.sampler)) continue;
    seen.add(k);
    own.get(l.sampler)!.push(l);
  }
  for (const ls of own.values()) ls.sort((a, b) => a.example - b.example);
  const q = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    const h = (s.length - 1) * p;
    const lo = Math.floor(h);
    return s[lo] + (h - lo) * (s[Math.min(s.length - 1, lo + 1)] - s[lo]);
  };
  return {
    kind: report.kind,
    baseline: report.baseline,
    samplers: report.samplers.map((s, i) => {
      const ls = own.get(s.sampler)!;
      const cu = ls.map((l) => l.cumulativeUncertainty).filter(Number.isFinite);
      const width = Math.max(0, ...ls.map((l) => (Array.isArray(l.order) ? l.order.length : 0)));
      // Mean commit step per position, each example's steps scaled to [0, 1] (first to last).
      const sum = new Array<number>(width).fill(0);
      const cnt = new Array<number>(width).fill(0);
      for (const l of ls) {
        const o = Array.isArray(l.order) ? l.order : [];
        const mx = Math.max(0, ...o);
        o.forEach((v, p) => {
          if (v > 0) {
            sum[p] += mx > 1 ? (v - 1) / (mx - 1) : 0;
            cnt[p]++;
          }
        });
      }
      return {
        name: s.sampler,
        value: acc ? (s.accuracy === null ? null : 100 * s.accuracy) : s.meanScore,
        lo: s.interval ? (acc ? 100 * s.interval.lo : s.interval.lo) : null,
        hi: s.interval ? (acc ? 100 * s.interval.hi : s.interval.hi) : null,
        rowForwards: s.rowForwards,
        cu: cu.length
          ? { min: Math.min(...cu), q1: q(cu, 0.25), median: q(cu, 0.5), q3: q(cu, 0.75), max: Math.max(...cu), mean: s.cuMean }
          : null,
        points: ls
          .map((l) => {
            const v = lineValue(report.kind, l);
            if (v === null || !Number.isFinite(l.cumulativeUncertainty)) return null;
            // Deterministic jitter so 0/1 points do not hide each other.
            const jitter = acc ? ((mix32((l.example * 0x9e3779b1 + i * 0x85ebca6b) >>> 0) / 4294967296) - 0.5) * 0.3 : 0;
            return [Number(l.cumulativeUncertainty.toFixed(4)), Number((v + jitter).toFixed(4))];
          })
          .filter((p) => p !== null),
        heat: {
          examples: ls.length,
          rows: ls.slice(0, HEATMAP_MAX_ROWS).map((l) => (Array.isArray(l.order) ? l.order : [])),
          mean: sum.map((x, p) => (cnt[p] ? Number((x / cnt[p]).toFixed(4)) : null)),
          // Sudoku canvases are boards: the mean is also drawn as a side × side grid.
          side: report.meta.task === 'sudoku' && width > 1 && Number.isInteger(Math.sqrt(width)) ? Math.sqrt(width) : null,
        },
      };
    }),
  };
}

/** An asset file beside this module (`chart-common.js`, `page.js`, `page.css`, the frontier page's `frontier-page.js`), as text. */
export function pageAsset(name: 'chart-common.js' | 'page.js' | 'page.css' | 'frontier-page.js'): string {
  const path = fileURLToPath(new URL(name, import.meta.url));
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ReportError(`report: ${path}: cannot read the report page's ${name} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); reinstall infogain`);
  }
}

/** `extraHtml`: a task's own sections (the digits cell's image metrics and grids), placed after the tables. */
export function renderHtml(report: Report, lines: readonly ResultLine[], command: string, extraHtml = ''): string {
  const data = chartData(report, lines);
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const lib = chartJsSource().replace(/<\/script/gi, '<\\/script');
  const acc = report.kind === 'accuracy';
  const ml = metaLines(report);
  const meta = ml.map((l, i) => {
    if (l.startsWith('  - ')) return `<li>${esc(l.slice(4))}</li>${ml[i + 1]?.startsWith('  - ') ? '' : '</ul></li>'}`;
    return ml[i + 1]?.startsWith('  - ') ? `<li>${esc(l.slice(2))}<ul>` : `<li>${esc(l.slice(2))}</li>`;
  });
  const heats = data.samplers
    .map((s, i) => {
      const shown = s.heat.rows.length < s.heat.examples ? ` (first ${s.heat.rows.length} of ${s.heat.examples} examples)` : ` (${s.heat.examples} examples)`;
      const board = s.heat.side ? `<canvas id="board-${i}" data-chart="board" title="mean commit step per cell"></canvas>` : '';
      return `<div class="heat"><h3>${esc(s.name)}${esc(shown)}</h3><div class="pair"><canvas id="heat-${i}" data-chart="heatmap"></canvas>${board}</div></div>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>infogain report: ${esc(report.meta.task)} (${esc(report.meta.model)})</title>
<style>\n${pageAsset('page.css')}</style>
</head>
<body>
<h1>Evaluation report: ${esc(report.meta.task)}</h1>
<p>Produced by <code>${esc(command)}</code> from <code>${esc(report.dir)}</code>.</p>
<ul class="meta">${meta.join('')}</ul>
<h2>Reading</h2>
<p class="reading">${esc(report.reading)}</p>
${reportTables(report).map(htmlTable).join('\n')}
${extraHtml}
<h2>Charts</h2>
<div class="charts">
<div class="chart"><h3>(a) ${acc ? 'Accuracy (95% CI)' : 'Mean judge score (95% CI)'} against cost</h3><canvas id="chart-cost" data-chart="chartjs"></canvas></div>
<div class="chart"><h3>(b) Cumulative uncertainty per example</h3><canvas id="chart-cu" data-chart="chartjs"></canvas></div>
<div class="chart"><h3>(c) Cumulative uncertainty against ${acc ? 'correctness' : 'judge score'}</h3><canvas id="chart-scatter" data-chart="chartjs"></canvas></div>
</div>
<h2>(d) Decode order</h2>
<p class="note">x: canvas position; rows: examples (top strip: mean over all examples); colour: the step at which the position was committed, scaled from the example's first to its last step; blank: given.${data.samplers.some((s) => s.heat.side) ? ' Beside each: the mean as a board.' : ''}</p>
<div class="legend">first step <canvas id="heat-legend" width="160" height="10" data-chart="legend"></canvas> last step</div>
<div class="heats">
${heats}
</div>
<script id="report-data" type="application/json">${json}</script>
<script>/* Chart.js v4 (MIT), inlined from node_modules/chart.js/dist/chart.umd.min.js */
${lib}
</script>
<script>\n${pageAsset('chart-common.js')}</script>
<script>\n${pageAsset('page.js')}</script>
</body>
</html>
`;
}
