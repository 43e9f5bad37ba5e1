/**
 * The frontier's tables, Markdown page and self-contained HTML page (Chart.js inlined, the data as
 * inline JSON, the charts drawn by report/frontier-page.js). See frontier.ts for the definitions.
 */
import type { BudgetCell, FamilyTest, Frontier, FrontierPoint } from './frontier.js';
import { INFO_GAIN_FAMILIES } from './frontier.js';
import { fmtNum, fmtP, fmtPct, signed } from './report/format.js';
import { chartJsSource, pageAsset } from './report/html.js';
import { markdownTable } from './report/markdown.js';
import type { TableModel } from './report/tables.js';

/** p below this is called a difference; at or above it, a tie. */
export const ALPHA = 0.05;

const acc = (f: Frontier) => f.kind === 'accuracy';
const valueOf = (f: Frontier, x: number | null) => (acc(f) ? `${fmtPct(x)}%` : fmtNum(x, 3));
const diffOf = (f: Frontier, x: number | null) => (acc(f) ? `${signed(fmtPct(x))} pp` : signed(fmtNum(x, 3)));
const withCi = (f: Frontier, p: FrontierPoint) =>
  `${valueOf(f, p.value)}${p.interval ? ` [${acc(f) ? `${fmtPct(p.interval.lo)}, ${fmtPct(p.interval.hi)}` : `${fmtNum(p.interval.lo, 3)}, ${fmtNum(p.interval.hi, 3)}`}]` : ''}`;
const testText = (f: Frontier, t: FamilyTest | undefined) => {
  if (!t) return '–';
  const ci = t.differenceInterval ? ` [${diffOf(f, t.differenceInterval.lo).replace(' pp', '')}, ${diffOf(f, t.differenceInterval.hi)}]` : '';
  return `${diffOf(f, t.difference)}${ci}, p ${fmtP(t.p)}`;
};
const times = (x: number, of: number) => `${fmtNum(x / of, x / of < 10 ? 2 : 1)}×`;
/** The point as "sampler (knob)". */
export const pointName = (p: FrontierPoint) => (p.knob === p.sampler ? p.sampler : `${p.sampler} (${p.knob})`);

export function taskTitle(f: Frontier): string {
  const opts = Object.entries(f.taskOptions).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return `${f.task}${opts.length ? ` (${opts.join(', ')})` : ''}, model ${f.model}`;
}

export function frontierNote(f: Frontier): string {
  const b = f.bootstrap;
  return (
    `n = ${f.examples.length} examples (seed ${f.seed}), the same for every point` +
    (f.examplesInRun > f.examples.length ? ` (the run has lines for ${f.examplesInRun}; the others are not done for every sampler yet)` : '') +
    `. 1× = ${f.greedy.sampler}'s ${fmtNum(f.greedy.rowForwards, 1)} mean row-forwards per example; a point is within k× when it costs ≤ k× greedy + ${fmtPct(f.tolerance, 0)}%. ` +
    (b.resamples > 0 ? `Intervals: 95% paired percentile bootstrap, ${b.resamples} resamples, seed ${b.seed}.` : 'No intervals (--bootstrap 0).') +
    (f.ungraded.length ? ` Not in the frontier yet (no graded line): ${f.ungraded.join(', ')}.` : '')
  );
}

export function pointsTable(f: Frontier): TableModel {
  const head = ['family', 'sampler', 'knob', acc(f) ? 'accuracy % [95% CI]' : 'mean score [95% CI]', 'row-forwards', '× greedy', 'wall ms', '× greedy wall', 'CU mean'];
  const rows = f.families.flatMap(({ points }) =>
    points.map((p) => [p.family, p.sampler, p.knob, withCi(f, p), fmtNum(p.rowForwards, 1), times(p.rowForwards, f.greedy.rowForwards), fmtNum(p.wallMs, 1), times(p.wallMs, f.greedy.wallMs), fmtNum(p.cuMean)]),
  );
  return { title: 'Every point', head, align: head.map((_, i) => (i < 3 ? 'left' : 'right')), rows, note: frontierNote(f) };
}

export function budgetTable(f: Frontier, cell: BudgetCell): TableModel {
  const test = acc(f) ? 'McNemar' : 'sign test';
  const head = ['family', 'best point within budget', acc(f) ? 'accuracy % [95% CI]' : 'mean score [95% CI]', 'row-forwards', `Δ vs leader [95% CI], ${test} p`, `Δ vs best-of-n [95% CI], ${test} p`];
  const rows = cell.best.map((p) => [
    p.family, pointName(p), withCi(f, p), fmtNum(p.rowForwards, 1),
    p === cell.leader ? 'leader' : testText(f, cell.vsLeader.find((t) => t.sampler === p.sampler)),
    p.family === 'best-of-n' ? '–' : testText(f, cell.vsBestOfN.find((t) => t.sampler === p.sampler)),
  ]);
  return {
    title: `Best point of each family at ≤ ${cell.k}× greedy (≤ ${fmtNum(cell.budget, 1)} row-forwards)`,
    head, align: head.map((_, i) => (i < 2 ? 'left' : 'right')), rows,
    note: `Paired on the same ${f.examples.length} examples; ${acc(f) ? "McNemar's exact test on the discordant pairs" : 'sign test on the per-example score differences (ties dropped)'}; Δ = row − column point, interval from the paired bootstrap.`,
  };
}

/** What a user should pick at a budget: the leader, and the families it does not beat at p < ALPHA. */
export function decisionOf(f: Frontier, cell: BudgetCell): { pick: string; tied: string[]; igVsBon: string } {
  if (!cell.leader) return { pick: '– (no point within budget)', tied: [], igVsBon: '–' };
  const tied = cell.vsLeader.filter((t) => t.p >= ALPHA).map((t) => pointName(cell.best.find((p) => p.sampler === t.sampler)!));
  const ig = cell.best.find((p) => INFO_GAIN_FAMILIES.has(p.sampler.split(':')[0]));
  const bon = cell.best.find((p) => p.family === 'best-of-n');
  let igVsBon = '–';
  if (ig && bon) {
    const t = cell.vsBestOfN.find((x) => x.sampler === ig.sampler)!;
    igVsBon = `${pointName(ig)} ${diffOf(f, t.difference)} vs ${pointName(bon)} (p ${fmtP(t.p)})`;
  } else if (!ig) igVsBon = 'no Info-Gain point within budget';
  else igVsBon = 'no best-of-n point within budget';
  return { pick: `${pointName(cell.leader)}: ${valueOf(f, cell.leader.value)} at ${times(cell.leader.rowForwards, f.greedy.rowForwards)}`, tied, igVsBon };
}

export function decisionTable(f: Frontier): TableModel {
  const head = ['compute (× greedy row-forwards)', 'pick', `not separable from the pick (p ≥ ${ALPHA})`, 'best Info-Gain-family point vs best-of-n'];
  const rows = f.budgets.map((cell) => {
    const d = decisionOf(f, cell);
    return [`≤ ${cell.k}× (${fmtNum(cell.budget, 0)})`, d.pick, d.tied.length ? d.tied.join('; ') : 'none', d.igVsBon];
  });
  return { title: `Which sampler at which compute: ${taskTitle(f)}`, head, align: ['left', 'left', 'left', 'left'], rows, note: frontierNote(f) };
}

export function frontierTables(f: Frontier): TableModel[] {
  return [decisionTable(f), ...f.budgets.map((c) => budgetTable(f, c)), pointsTable(f)];
}

/** The charts' data, as embedded in frontier.html. */
export function frontierChartData(f: Frontier) {
  const scale = acc(f) ? 100 : 1;
  return {
    kind: f.kind,
    title: taskTitle(f),
    n: f.examples.length,
    greedy: f.greedy,
    budgets: f.budgets.map((c) => ({ k: c.k, rowForwards: c.budget, wallMs: c.k * f.greedy.wallMs })),
    families: f.families.map(({ family, points }) => ({
      family,
      infoGain: INFO_GAIN_FAMILIES.has(points[0].sampler.split(':')[0]),
      points: points.map((p) => ({
        sampler: p.sampler, knob: p.knob, rowForwards: p.rowForwards, wallMs: p.wallMs,
        value: p.value * scale, lo: p.interval ? p.interval.lo * scale : null, hi: p.interval ? p.interval.hi * scale : null,
      })),
    })),
  };
}

export function renderFrontierMarkdown(f: Frontier, command: string, images: { rowForwards: string; wall: string } | null): string {
  const parts = [`# Compute-matched frontier: ${taskTitle(f)}`, '', `Produced by \`${command}\`.`, ''];
  if (images) parts.push(`![${acc(f) ? 'accuracy' : 'score'} against mean row-forwards](${images.rowForwards})`, '', `![${acc(f) ? 'accuracy' : 'score'} against wall time](${images.wall})`, '');
  for (const t of frontierTables(f)) {
    parts.push(`## ${t.title}`, '', markdownTable(t), '');
    if (t.note) parts.push(t.note, '');
  }
  parts.push('Definitions (matched compute, the tests): docs/decisions.md D14. The interactive charts are in `frontier.html`.', '');
  return parts.join('\n');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function htmlTable(t: TableModel): string {
  const th = t.head.map((h, i) => `<th class="${t.align[i]}">${esc(h)}</th>`).join('');
  const rows = t.rows.map((r) => `<tr>${r.map((c, i) => `<td class="${t.align[i]}">${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<h2>${esc(t.title)}</h2>\n<table><thead><tr>${th}</tr></thead><tbody>\n${rows}\n</tbody></table>${t.note ? `\n<p class="note">${esc(t.note)}</p>` : ''}`;
}

export function renderFrontierHtml(f: Frontier, command: string): string {
  const json = JSON.stringify(frontierChartData(f)).replace(/</g, '\\u003c');
  const lib = chartJsSource().replace(/<\/script/gi, '<\\/script');
  const y = acc(f) ? 'Accuracy' : 'Mean score';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>infogain frontier: ${esc(taskTitle(f))}</title>
<style>\n${pageAsset('page.css')}
.frontier { width: 900px; height: 560px; position: relative; margin: 0 0 1.5em; background: #fff; }
</style>
</head>
<body>
<h1>Compute-matched frontier: ${esc(taskTitle(f))}</h1>
<p>Produced by <code>${esc(command)}</code>.</p>
<h2>Charts</h2>
<div class="frontier" id="figure-row-forwards"><canvas id="chart-row-forwards"></canvas></div>
<div class="frontier" id="figure-wall"><canvas id="chart-wall"></canvas></div>
<p class="note">${esc(y)} (95% interval) against mean row-forwards and mean wall time per example, log scale; one line per family along its knob; dashed lines: 1×, 2×, 4×, 8× greedy's compute. ${esc(frontierNote(f))}</p>
${frontierTables(f).map(htmlTable).join('\n')}
<script id="frontier-data" type="application/json">${json}</script>
<script>/* Chart.js v4 (MIT), inlined from node_modules/chart.js/dist/chart.umd.min.js */
${lib}
</script>
<script>\n${pageAsset('chart-common.js')}</script>
<script>\n${pageAsset('frontier-page.js')}</script>
</body>
</html>
`;
}
