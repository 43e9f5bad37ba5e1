/**
 * The digits cell's image metrics and its report sections (Node: the judge runs on
 * onnxruntime-node, the held-out digits are read from the package). Per sampler, over its images:
 *
 *  - judge accuracy: share of images whose most likely class under the independent CNN judge is
 *    the requested one (the result lines' `correct`);
 *  - judge confidence: mean probability the judge gives the requested class (the lines' `score`);
 *  - diversity: mean pairwise Euclidean distance between images of the same requested class
 *    (intensities level/3, 196 pixels), averaged over classes; a collapsed sampler scores ~0;
 *  - FD: Fréchet distance between the judge's 64-d features of the images and of the reference
 *    real digits.
 *
 * Real digits as the yardstick: the committed held-out set (data/digits/heldout.csv, 100 per
 * class) is split by index within class: the first 20 per class (200 digits) are the "real"
 * row, scored exactly like a sampler's 200 images; the other 80 per class (800) are the
 * reference set every FD is measured against. FD is biased upward at small n, so only compare
 * it between rows of equal size (the real row's n is printed beside it).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../../node/paths.js';
import { parseDigitsCsv, quantizeImage } from '../../tasks/digits/data.js';
import { imageFromText, intensities, type DigitImage } from '../../tasks/digits/image.js';
import { argmax, loadDigitJudge, type DigitJudge } from '../../tasks/digits/judge.js';
import { frechetDistance, withinClassDiversity } from '../../tasks/digits/metrics.js';
import { digitGridPng } from '../../tasks/digits/png.js';
import type { ResultLine } from '../results.js';
import { markdownTable } from './markdown.js';
import type { TableModel } from './tables.js';

/** Real digits per class in the "real" row; the rest of the held-out set is the FD reference. */
export const REAL_PER_CLASS = 20;

export interface ImageSetMetrics {
  name: string;
  n: number;
  accuracy: number;
  confidence: number;
  diversity: number | null;
  fd: number;
}

export interface DigitsCellMetrics {
  samplers: ImageSetMetrics[];
  real: ImageSetMetrics;
  referenceN: number;
  judgeHeldoutAccuracy: number;
}

interface LabelledImage {
  label: number;
  image: DigitImage;
}

async function setMetrics(judge: DigitJudge, name: string, set: readonly LabelledImage[], reference: readonly Float32Array[]): Promise<ImageSetMetrics> {
  const verdicts = await judge.judge(set.map((s) => s.image));
  const labels = set.map((s) => s.label);
  return {
    name,
    n: set.length,
    accuracy: verdicts.filter((v, i) => argmax(v.probs) === labels[i]).length / set.length,
    confidence: verdicts.reduce((s, v, i) => s + v.probs[labels[i]], 0) / set.length,
    diversity: withinClassDiversity(set.map((s) => intensities(s.image)), labels),
    fd: frechetDistance(verdicts.map((v) => v.features), reference),
  };
}

export async function readHeldoutDigits(): Promise<LabelledImage[]> {
  const path = join(packageRoot(), 'data', 'digits', 'heldout.csv');
  return parseDigitsCsv(await readFile(path, 'utf8'), path).map((d) => ({ label: d.label, image: quantizeImage(d.grey) }));
}

/** The images of a run's lines, grouped by sampler (reference lines skipped), in example order. */
export function imagesBySampler(lines: readonly ResultLine[]): Map<string, (LabelledImage & { example: number })[]> {
  const out = new Map<string, (LabelledImage & { example: number })[]>();
  for (const l of lines) {
    if (l.reference) continue;
    const label = l.info.digit;
    if (typeof label !== 'number') throw new Error(`digits report: result line of example ${l.example} (${l.sampler}) has no digit field in info`);
    const list = out.get(l.sampler) ?? [];
    list.push({ label, example: l.example, image: imageFromText(l.answer, `result line ${l.example} (${l.sampler})`) });
    out.set(l.sampler, list);
  }
  for (const list of out.values()) list.sort((a, b) => a.example - b.example);
  return out;
}

/** imagesBySampler's entries with the samplers of `order` first, in that order (the run's meta), then the others by name. */
function imagesInOrder(lines: readonly ResultLine[], order: readonly string[]) {
  const rank = (n: string) => (order.includes(n) ? order.indexOf(n) : order.length);
  return [...imagesBySampler(lines)].sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

/** `order`: sampler names in the order the tables list them (the run's meta); others follow by name. */
export async function digitsCellMetrics(lines: readonly ResultLine[], judge?: DigitJudge, order: readonly string[] = []): Promise<DigitsCellMetrics> {
  const j = judge ?? (await loadDigitJudge());
  const held = await readHeldoutDigits();
  const seen = new Map<number, number>();
  const real: LabelledImage[] = [];
  const reference: LabelledImage[] = [];
  for (const d of held) {
    const k = seen.get(d.label) ?? 0;
    seen.set(d.label, k + 1);
    (k < REAL_PER_CLASS ? real : reference).push(d);
  }
  const refFeatures = (await j.judge(reference.map((r) => r.image))).map((v) => v.features);
  const samplers: ImageSetMetrics[] = [];
  for (const [name, set] of imagesInOrder(lines, order)) samplers.push(await setMetrics(j, name, set, refFeatures));
  return {
    samplers,
    real: await setMetrics(j, `real held-out digits (${REAL_PER_CLASS} per class)`, real, refFeatures),
    referenceN: reference.length,
    judgeHeldoutAccuracy: j.card.heldoutAccuracy,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function digitsTable(m: DigitsCellMetrics): TableModel {
  const row = (s: ImageSetMetrics) => [s.name, String(s.n), pct(s.accuracy), s.confidence.toFixed(3), s.diversity === null ? '–' : s.diversity.toFixed(2), s.fd.toFixed(2)];
  return {
    title: 'Image quality under the independent judge',
    head: ['images', 'n', 'judge accuracy', 'judge confidence', 'diversity (within class)', `FD vs ${m.referenceN} real`],
    align: ['left', 'right', 'right', 'right', 'right', 'right'],
    rows: [...m.samplers.map(row), row(m.real)],
    note:
      `Judge: the CNN of models/digits-judge (held-out accuracy ${pct(m.judgeHeldoutAccuracy)} on real digits), never trained against by the generator. ` +
      'Accuracy: the judge\'s top class is the requested one; confidence: its mean probability of the requested class; diversity: mean pairwise ' +
      'Euclidean distance (intensities in [0, 1], 196 pixels) between images of the same class, averaged over classes; FD: Fréchet distance of the judge\'s ' +
      `64-d features against ${m.referenceN} held-out real digits (lower is better; biased upward at small n, so compare rows of equal n). ` +
      'The last row is real held-out digits scored the same way: the yardstick for every column.',
  };
}

/** A grid per sampler: one row per class 0–9, up to `perClass` images each, as an inline PNG. */
export function digitsGridHtml(lines: readonly ResultLine[], perClass = 10, order: readonly string[] = []): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const parts: string[] = [];
  for (const [name, set] of imagesInOrder(lines, order)) {
    const rows: DigitImage[][] = Array.from({ length: 10 }, () => []);
    for (const s of set) if (rows[s.label].length < perClass) rows[s.label].push(s.image);
    if (rows.every((r) => r.length === 0)) continue;
    const png = digitGridPng(rows, 3).toString('base64');
    parts.push(
      `<div class="digit-grid"><h3>${esc(name)}</h3><img alt="digits generated by ${esc(name)}, one row per class 0–9" ` +
        `src="data:image/png;base64,${png}" style="image-rendering: pixelated; width: ${Math.max(...rows.map((r) => r.length)) * 45}px"></div>`,
    );
  }
  return `<h2>Generated digits</h2>\n<p class="note">One row per requested class 0–9, the first ${perClass} images of each (example order).</p>\n<div class="digit-grids" style="display:flex;flex-wrap:wrap;gap:18px">${parts.join('\n')}</div>`;
}

/** The digits sections of report.md and report.html. */
export async function digitsReportSections(lines: readonly ResultLine[], order: readonly string[] = []): Promise<{ markdown: string; html: string; metrics: DigitsCellMetrics }> {
  const metrics = await digitsCellMetrics(lines, undefined, order);
  const table = digitsTable(metrics);
  const markdown = `## ${table.title}\n\n${markdownTable(table)}\n\n${table.note}\n`;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const th = table.head.map((h, i) => `<th class="${table.align[i]}">${esc(h)}</th>`).join('');
  const rows = table.rows.map((r) => `<tr>${r.map((c, i) => `<td class="${table.align[i]}">${esc(c)}</td>`).join('')}</tr>`).join('\n');
  const html = `<h2>${esc(table.title)}</h2>\n<table><thead><tr>${th}</tr></thead><tbody>\n${rows}\n</tbody></table>\n<p class="note">${esc(table.note ?? '')}</p>\n${digitsGridHtml(lines, 10, order)}`;
  return { markdown, html, metrics };
}
