/**
 * Splicing freshly generated parts of one task cell into the committed docs/results.md, every other
 * byte as it was (`npm run results -- --write-cell-docs`, scripts/results.ts): its `### <title>`
 * section and its column of the overview table. Pure: text in, text out; what cannot be found
 * throws an Error that names it.
 */

const isHeading = (line: string) => line.startsWith('## ') || line.startsWith('### ');
const isSeparator = (line: string) => /^\|[\s:|-]+\|$/.test(line);
/** A table row split at its unescaped `|`: segment 0 and the last are the empty outsides, 1… the cells with their padding. */
const segments = (line: string) => line.split(/(?<!\\)\|/);
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Replaces the section that starts with the line `heading` (e.g. `### Countdown, 3 numbers`) and
 * runs to the next line starting with `## ` or `### ` (or the end) by `fresh`, which must start
 * with the same heading and hold no other. The blank lines that ended the old section are kept,
 * so the spacing before the next heading does not change.
 */
export function replaceSection(doc: string, heading: string, fresh: string): string {
  const lines = doc.split('\n');
  const at = lines.flatMap((l, i) => (l === heading ? [i] : []));
  if (at.length !== 1) throw new Error(at.length ? `${at.length} sections "${heading}", expected one` : `no section "${heading}"`);
  const start = at[0];
  let end = lines.findIndex((l, i) => i > start && isHeading(l));
  if (end < 0) end = lines.length;
  const freshLines = fresh.replace(/\n+$/, '').split('\n');
  if (freshLines[0] !== heading) throw new Error(`the new section starts with "${freshLines[0]}", not "${heading}"`);
  const inner = freshLines.slice(1).find(isHeading);
  if (inner !== undefined) throw new Error(`the new section "${heading}" holds another heading, "${inner}"`);
  let blank = end;
  while (blank > start + 1 && lines[blank - 1] === '') blank--;
  return [...lines.slice(0, start), ...freshLines, ...lines.slice(blank)].join('\n');
}

/** The first markdown table after the line `## Overview` (before the next heading): its line range. */
function overviewRange(lines: readonly string[]): { from: number; to: number } {
  const at = lines.indexOf('## Overview');
  if (at < 0) throw new Error('no "## Overview" section');
  const from = lines.findIndex((l, i) => i > at && (l.startsWith('|') || isHeading(l)));
  if (from < 0 || !lines[from].startsWith('|')) throw new Error('no table under "## Overview"');
  const to = lines.findIndex((l, i) => i > from && !l.startsWith('|'));
  return { from, to: to < 0 ? lines.length : to };
}

/** The segment index of the column headed `<cellId> (n N)` in a table's header line. */
function columnOf(header: string, cellId: string, where: string): number {
  const pattern = new RegExp(`^${escapeRegExp(cellId)} \\(n \\d+\\)$`);
  const at = segments(header).flatMap((s, i) => (pattern.test(s.trim()) ? [i] : []));
  if (at.length !== 1) throw new Error(`${at.length ? `${at.length} columns` : 'no column'} "${cellId} (n …)" in ${where}`);
  return at[0];
}

/**
 * Replaces the column of `cellId` (header `<cellId> (n N)`) in docs/results.md's overview table by
 * that column of `freshTable` (the overview as generated now, which may have other columns):
 * the header (its n may change) and each row's cell, rows matched by their first cell (the
 * sampler). A row the fresh table lacks gets `–`, as the generated overview writes for a sampler
 * a cell did not run; a fresh row with a value the old table has no row for is an error naming
 * it, since the splice would drop it. Every other cell keeps its bytes.
 */
export function replaceOverviewColumn(doc: string, freshTable: string, cellId: string): string {
  const lines = doc.split('\n');
  const { from, to } = overviewRange(lines);
  const column = columnOf(lines[from], cellId, 'the overview of docs/results.md');
  const [freshHead, ...freshRows] = freshTable.split('\n').filter((l) => l.startsWith('|') && !isSeparator(l));
  if (freshHead === undefined) throw new Error('the new overview has no table');
  const freshColumn = columnOf(freshHead, cellId, 'the new overview');
  const fresh = new Map(freshRows.map((l) => [segments(l)[1].trim(), segments(l)[freshColumn].trim()]));
  const put = (line: string, value: string) => {
    const s = segments(line);
    if (s.length <= column) throw new Error(`the overview row "${s[1]?.trim()}" has no "${cellId}" column`);
    s[column] = ` ${value} `;
    return s.join('|');
  };
  const out = [...lines];
  out[from] = put(lines[from], segments(freshHead)[freshColumn].trim());
  const names = new Set<string>();
  for (let i = from + 1; i < to; i++) {
    if (isSeparator(lines[i])) continue;
    const name = segments(lines[i])[1].trim();
    names.add(name);
    out[i] = put(lines[i], fresh.get(name) ?? '–');
  }
  const lost = [...fresh].filter(([name, value]) => !names.has(name) && value !== '–').map(([name]) => `"${name}"`);
  if (lost.length) throw new Error(`the overview of docs/results.md has no row for ${lost.join(', ')} (the "${cellId}" column has a value there)`);
  return out.join('\n');
}

/** What a committed document shows per cell: the N of each `--n N --out out/results/<cell>` in its commands. */
export function documentedCounts(doc: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of doc.matchAll(/--n (\d+) --out out\/results\/([a-z0-9-]+)/g)) counts.set(m[2], Number(m[1]));
  return counts;
}
