/**
 * Splicing freshly generated parts of one task cell into the committed docs/results.md, every other
 * byte as it was (`npm run results -- --write-cell-docs`, scripts/results.ts): its `### <title>`
 * section and its column of the overview table, each replaced where the document has it and
 * inserted in the order of the cells where it does not yet (spliceSection, spliceOverviewColumn),
 * and its line dropped from the `## Not evaluated` list (dropNotEvaluated). Pure: text in, text
 * out; what cannot be found throws an Error that names it.
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
  const at = headingLines(lines, heading);
  if (at.length !== 1) throw new Error(at.length ? `${at.length} sections "${heading}", expected one` : `no section "${heading}"`);
  const start = at[0];
  let end = lines.findIndex((l, i) => i > start && isHeading(l));
  if (end < 0) end = lines.length;
  const freshLines = sectionLines(heading, fresh);
  let blank = end;
  while (blank > start + 1 && lines[blank - 1] === '') blank--;
  return [...lines.slice(0, start), ...freshLines, ...lines.slice(blank)].join('\n');
}

/** The line indices of the line `heading`. */
const headingLines = (lines: readonly string[], heading: string) => lines.flatMap((l, i) => (l === heading ? [i] : []));

/** `fresh` (one section, starting with the line `heading` and holding no other) as lines, trailing blank lines dropped. */
function sectionLines(heading: string, fresh: string): string[] {
  const freshLines = fresh.replace(/\n+$/, '').split('\n');
  if (freshLines[0] !== heading) throw new Error(`the new section starts with "${freshLines[0]}", not "${heading}"`);
  const inner = freshLines.slice(1).find(isHeading);
  if (inner !== undefined) throw new Error(`the new section "${heading}" holds another heading, "${inner}"`);
  return freshLines;
}

/**
 * Puts the section `fresh` (starting with the line `heading`) into the document: replaces it
 * where the document has it (replaceSection), else inserts it, followed by one blank line, before
 * the first of `later` (the headings of the cells that come after it, in their order) that the
 * document has; where it has none of them, after the last section under `## Tables`, i.e. before
 * the next `## ` heading after that one (or at the end). Every other byte stays.
 */
export function spliceSection(doc: string, heading: string, fresh: string, later: readonly string[]): string {
  const lines = doc.split('\n');
  if (headingLines(lines, heading).length) return replaceSection(doc, heading, fresh);
  const freshLines = sectionLines(heading, fresh);
  let at = -1;
  for (const next of later) {
    const found = headingLines(lines, next);
    if (found.length > 1) throw new Error(`${found.length} sections "${next}", expected one`);
    if (found.length) {
      at = found[0];
      break;
    }
  }
  if (at < 0) {
    const tables = lines.indexOf('## Tables');
    if (tables < 0) throw new Error(`no "## Tables" section to put "${heading}" in`);
    at = lines.findIndex((l, i) => i > tables && l.startsWith('## '));
  }
  if (at >= 0) return [...lines.slice(0, at), ...freshLines, '', ...lines.slice(at)].join('\n');
  // The tables run to the end: after the last section, one blank line between, its trailing blank lines kept.
  let end = lines.length;
  while (end > 0 && lines[end - 1] === '') end--;
  return [...lines.slice(0, end), '', ...freshLines, ...lines.slice(end)].join('\n');
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

/** The segment indices of the columns headed `<cellId> (n N)` in a table's header line. */
function columnsOf(header: string, cellId: string): number[] {
  const pattern = new RegExp(`^${escapeRegExp(cellId)} \\(n \\d+\\)$`);
  return segments(header).flatMap((s, i) => (pattern.test(s.trim()) ? [i] : []));
}

/** The segment index of the column headed `<cellId> (n N)` in a table's header line. */
function columnOf(header: string, cellId: string, where: string): number {
  const at = columnsOf(header, cellId);
  if (at.length !== 1) throw new Error(`${at.length ? `${at.length} columns` : 'no column'} "${cellId} (n …)" in ${where}`);
  return at[0];
}

/** The fresh overview's header, its separator segment and each sampler's value in the column of `cellId`. */
function freshColumn(freshTable: string, cellId: string) {
  const lines = freshTable.split('\n').filter((l) => l.startsWith('|'));
  const [head, ...rows] = lines.filter((l) => !isSeparator(l));
  if (head === undefined) throw new Error('the new overview has no table');
  const column = columnOf(head, cellId, 'the new overview');
  const separator = lines.find(isSeparator);
  return {
    header: segments(head)[column].trim(),
    separator: separator === undefined ? '---:' : segments(separator)[column] ?? '---:',
    values: new Map(rows.map((l) => [segments(l)[1].trim(), segments(l)[column].trim()])),
  };
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
  const { header, values: fresh } = freshColumn(freshTable, cellId);
  const put = (line: string, value: string) => {
    const s = segments(line);
    if (s.length <= column) throw new Error(`the overview row "${s[1]?.trim()}" has no "${cellId}" column`);
    s[column] = ` ${value} `;
    return s.join('|');
  };
  const out = [...lines];
  out[from] = put(lines[from], header);
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

/** The first cell of the overview rows that are not samplers but a summary across them (kept last). */
const REFERENCE_ROW = '(every sampler vs the reference)';

/**
 * Puts the column of `cellId` from `freshTable` into docs/results.md's overview: replaces it where
 * the overview has it (replaceOverviewColumn), else inserts it before the column of the first of
 * `later` (the ids of the cells after it, in their order) that the overview has, or after the
 * last column. Each existing row gets the fresh value of its sampler or `–`; a sampler with a
 * value there that the overview has no row for gets a new row, `–` in every other column, after
 * the existing rows but before the `(every sampler vs the reference)` row. Every other cell keeps
 * its bytes.
 */
export function spliceOverviewColumn(doc: string, freshTable: string, cellId: string, later: readonly string[]): string {
  const lines = doc.split('\n');
  const { from, to } = overviewRange(lines);
  if (columnsOf(lines[from], cellId).length) return replaceOverviewColumn(doc, freshTable, cellId);
  const { header, separator, values } = freshColumn(freshTable, cellId);
  const width = segments(lines[from]).length;
  let column = width - 1;
  for (const next of later) {
    const found = columnsOf(lines[from], next);
    if (found.length > 1) throw new Error(`${found.length} columns "${next} (n …)" in the overview of docs/results.md`);
    if (found.length) {
      column = found[0];
      break;
    }
  }
  const put = (line: string, value: string) => {
    const s = segments(line);
    if (s.length !== width) throw new Error(`the overview row "${s[1]?.trim()}" has ${s.length - 2} columns, its header ${width - 2}`);
    s.splice(column, 0, value);
    return s.join('|');
  };
  const out = lines.slice(0, from);
  const names = new Set<string>();
  let reference = -1;
  for (let i = from; i < to; i++) {
    if (isSeparator(lines[i])) {
      out.push(put(lines[i], separator));
      continue;
    }
    const name = segments(lines[i])[1].trim();
    if (i > from) names.add(name);
    if (name === REFERENCE_ROW) reference = out.length;
    out.push(put(lines[i], ` ${i === from ? header : values.get(name) ?? '–'} `));
  }
  const added = [...values]
    .filter(([name, value]) => !names.has(name) && value !== '–')
    .map(([name, value]) => {
      const row = ['', ` ${name} `, ...Array.from({ length: width - 3 }, () => ' – '), ''];
      row.splice(column, 0, ` ${value} `);
      return row.join('|');
    });
  out.splice(reference >= 0 ? reference : out.length, 0, ...added);
  return [...out, ...lines.slice(to)].join('\n');
}

/**
 * Drops the line of `cellId` (`- <title>: not evaluated yet (`npm run results -- <cellId>`)`, as
 * `npm run results` writes it) from the `## Not evaluated` list; a list left empty goes with its
 * heading and the blank line before it, as the generator writes no list then. A document without
 * that list or line is returned as it is.
 */
export function dropNotEvaluated(doc: string, cellId: string): string {
  const lines = doc.split('\n');
  const at = lines.indexOf('## Not evaluated');
  if (at < 0) return doc;
  let end = lines.findIndex((l, i) => i > at && isHeading(l));
  if (end < 0) end = lines.length;
  const item = lines.findIndex((l, i) => i > at && i < end && l.startsWith('- ') && l.includes(`(\`npm run results -- ${cellId}\`)`));
  if (item < 0) return doc;
  lines.splice(item, 1);
  end--;
  if (lines.slice(at + 1, end).some((l) => l !== '')) return lines.join('\n');
  // The list is empty now: it goes from the blank line before its heading to where its item was,
  // the blank lines that followed the item kept (the generator then writes no list).
  const first = at > 0 && lines[at - 1] === '' ? at - 1 : at;
  lines.splice(first, item - first);
  return lines.join('\n');
}

/**
 * The section of `doc` whose heading line starts with `prefix` (e.g. `## Frontier: Countdown, 3
 * numbers (n = `), up to the next `## ` or `### ` heading or line equal to one of `stops`, ending in one newline (joined with
 * `\n`, sections then keep one blank line between them); undefined where the document has none.
 */
export function sectionStartingWith(doc: string, prefix: string, stops: readonly string[] = []): string | undefined {
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => l.startsWith(prefix));
  if (start < 0) return undefined;
  let end = lines.findIndex((l, i) => i > start && (isHeading(l) || stops.includes(l)));
  if (end < 0) end = lines.length;
  return `${lines.slice(start, end).join('\n').replace(/\n+$/, '')}\n`;
}

/** What a committed document shows per cell: the N of each `--n N --out out/results/<cell>` in its commands. */
export function documentedCounts(doc: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of doc.matchAll(/--n (\d+) --out out\/results\/([a-z0-9-]+)/g)) counts.set(m[2], Number(m[1]));
  return counts;
}
