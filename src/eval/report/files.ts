/**
 * Reading a run directory and writing its report files (Node only).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunMeta } from '../harness.js';
import { readResults, type ResultLine } from '../results.js';
import { digitsReportSections, type DigitsCellMetrics } from './digits.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { buildReport, ReportError, type Report, type ReportOptions } from './model.js';
import { mainTable } from './tables.js';
import { renderTerminalTable } from './terminal.js';

/** Read `<dir>/meta.json` and `<dir>/results.jsonl` without modifying the run directory. */
export function loadRun(dir: string): { meta: RunMeta; lines: ResultLine[] } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ReportError(`report: ${dir}: no such directory`);
  const metaPath = join(dir, 'meta.json');
  if (!existsSync(metaPath)) throw new ReportError(`report: ${dir}: no meta.json; not an evaluation directory (make one with \`infogain eval --out ${dir}\`)`);
  let meta: RunMeta;
  try {
    meta = JSON.parse(readFileSync(metaPath, 'utf8')) as RunMeta;
  } catch (e) {
    throw new ReportError(`report: ${metaPath}: not valid JSON (${(e as Error).message})`);
  }
  if (!meta || typeof meta !== 'object' || typeof meta.task !== 'string' || !Array.isArray(meta.samplers))
    throw new ReportError(`report: ${metaPath}: not an evaluation meta.json (needs task and samplers)`);
  const resultsPath = join(dir, 'results.jsonl');
  if (!existsSync(resultsPath)) throw new ReportError(`report: ${dir}: no results.jsonl; the evaluation has not written any result yet`);
  // readResults cuts a torn last line off the file it reads; read a copy so that a report on a
  // running evaluation never touches the run.
  const tmp = mkdtempSync(join(tmpdir(), 'infogain-report-'));
  let lines: ResultLine[];
  try {
    copyFileSync(resultsPath, join(tmp, 'results.jsonl'));
    lines = readResults(join(tmp, 'results.jsonl'));
  } catch (e) {
    throw new ReportError(`report: ${(e as Error).message.replace(join(tmp, 'results.jsonl'), resultsPath)}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (lines.length === 0) throw new ReportError(`report: ${resultsPath}: no results yet (0 finished lines)`);
  return { meta, lines };
}

export interface WriteReportOptions extends ReportOptions {
  /** Output directory (default: the run directory). */
  out?: string;
  /** The command line recorded in the report. */
  command?: string;
  /** A task's own sections, after the tables (see `writeTaskReport`). */
  sections?: { markdown: string; html: string };
}

export function writeReport(dir: string, options: WriteReportOptions = {}): { report: Report; markdownPath: string; htmlPath: string; table: string } {
  const { meta, lines } = loadRun(dir);
  const report = buildReport(dir, meta, lines, options);
  const command =
    options.command ??
    [`infogain report ${dir}`, `--baseline ${report.baseline}`, `--bootstrap ${report.bootstrap.resamples}`, `--seed ${report.bootstrap.seed}`, ...(options.out ? [`--out ${options.out}`] : [])].join(' ');
  const out = options.out ?? dir;
  mkdirSync(out, { recursive: true });
  const markdownPath = join(out, 'report.md');
  const htmlPath = join(out, 'report.html');
  writeFileSync(markdownPath, renderMarkdown(report, command, options.sections?.markdown));
  writeFileSync(htmlPath, renderHtml(report, lines, command, options.sections?.html));
  return { report, markdownPath, htmlPath, table: renderTerminalTable(mainTable(report)) };
}

/**
 * `writeReport` plus the task's own sections: for a digits run, the image metrics under the
 * independent judge and the grids of generated digits (report/digits.ts, which runs the judge).
 */
export async function writeTaskReport(dir: string, options: WriteReportOptions = {}): Promise<ReturnType<typeof writeReport> & { digits?: DigitsCellMetrics }> {
  const { meta, lines } = loadRun(dir);
  if (meta.task !== 'digits') return writeReport(dir, options);
  const { markdown, html, metrics } = await digitsReportSections(lines, meta.samplers.map((s) => s.name));
  return { ...writeReport(dir, { ...options, sections: { markdown, html } }), digits: metrics };
}
