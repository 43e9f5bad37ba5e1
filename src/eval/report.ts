/**
 * `infogain report`: statistics, tables and charts for one evaluation directory
 * (`meta.json` + `results.jsonl`, see harness.ts and results.ts).
 *
 * What is computed (report kind "accuracy" when any line has `correct` set, else "score", the
 * judge-scored text task):
 *  - per sampler: lines, accuracy (share of `correct === true` among lines with `correct` set) or
 *    mean score (finite scores only), each with a 95% percentile bootstrap interval; mean and
 *    median cumulative uncertainty, mean forward calls, row-forwards and wall time; for scores the
 *    win rate against the baseline (`comparePairs` of the text task: a line whose `reason` starts
 *    with "degenerate" loses to a non-degenerate one, ties count half; a missing score is −∞).
 *  - paired tests against the baseline on the examples both have: McNemar's exact test on the
 *    discordant pairs (b: only the sampler right, c: only the baseline right), or for scores a
 *    sign test on the pairwise outcomes of the win rate (ties dropped); the paired difference with
 *    its bootstrap interval.
 *  - Pearson r between cumulative uncertainty and correctness (0/1) or score, over all lines and
 *    per sampler.
 *  - breakdowns by every `info` field with 2–8 distinct values (at most half the examples).
 *
 * The bootstrap is paired: each replicate draws example indices once (seeded) and every sampler,
 * and every paired difference, is averaged over that same draw.
 *
 * Outputs: `report.md`, a self-contained `report.html` (tables, Chart.js inlined from
 * node_modules, the data as inline JSON, decode-order heatmaps drawn on canvases by a few lines
 * of script) and the main table for the terminal.
 *
 * The parts, under report/: model.ts (the numbers), reading.ts (the paragraph that reads them),
 * tables.ts (the tables and number formats), markdown.ts, html.ts (with its page.js and page.css
 * assets), terminal.ts, and files.ts (reading the run directory, writing the report; Node only).
 */
export { loadRun, writeReport, writeTaskReport, type WriteReportOptions } from './report/files.js';
export { digitsCellMetrics, digitsTable, type DigitsCellMetrics, type ImageSetMetrics } from './report/digits.js';
export { chartData, chartJsSource, HEATMAP_MAX_ROWS, renderHtml } from './report/html.js';
export { markdownTable, renderMarkdown } from './report/markdown.js';
export {
  buildReport,
  ReportError,
  type Breakdown,
  type BreakdownCell,
  type CorrelationRow,
  type PairedTest,
  type ReferenceSummary,
  type Report,
  type ReportKind,
  type ReportOptions,
  type SamplerSummary,
} from './report/model.js';
export { isBaseline } from './report/reading.js';
export { breakdownTables, correlationTable, fmtNum, fmtP, fmtPct, mainTable, pairedTable, reportTables, type TableModel } from './report/tables.js';
export { renderTerminalTable } from './report/terminal.js';
