/**
 * The README's short result table ("in short:" under "Tasks, built-in task models and
 * evaluation") restates docs/results.md, which `npm run results -- --write-docs` regenerates.
 * This test parses both and fails when they disagree: every figure of a README row must be the
 * figure of the same sampler in the matching docs/results.md cell, to the README's precision, and
 * every issue bar must say "met" exactly when greedy confidence reaches it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

/** A markdown table's cells, row by row (header first, the |---| line dropped); `\|` stays inside a cell. */
function tableRows(lines: readonly string[]): string[][] {
  return lines
    .filter((l) => !/^\|[\s:|-]+\|$/.test(l))
    .map((l) => l.replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/).map((c) => c.trim()));
}

/** The table that starts at the first line beginning with `headerStart`. */
function tableAt(text: string, headerStart: string, file: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(headerStart));
  if (start < 0) throw new Error(`${file}: no table whose header starts with ${JSON.stringify(headerStart)}`);
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'));
  return tableRows(lines.slice(start, end < 0 ? undefined : end));
}

/** A figure as written ("97.5%", "**70.5%**", "63.3") with the precision it was written at. */
interface Figure {
  value: number;
  /** Half a unit of the last written digit: the rounding a written figure allows. */
  tolerance: number;
}

function figure(text: string, where: string): Figure {
  const m = /^\**(-?\d+(?:\.(\d+))?)%?\**$/.exec(text.trim());
  if (!m) throw new Error(`${where}: ${JSON.stringify(text)} is not a figure`);
  return { value: Number(m[1]), tolerance: 0.5 * 10 ** -(m[2]?.length ?? 0) + 1e-9 };
}

/** One evaluation cell of docs/results.md: its name (`sudoku-40-50`) and each sampler's row by column header. */
interface Cell {
  name: string;
  rows: Map<string, Map<string, string>>;
}

/** Every "### …" section of docs/results.md with its command (naming the cell's --out) and its first table. */
function resultCells(text: string): Cell[] {
  const cells: Cell[] = [];
  for (const section of text.split(/\n### /).slice(1)) {
    const name = /--out out\/results\/([\w-]+)/.exec(section)?.[1];
    if (!name) continue;
    const [head, ...body] = tableAt(section, '| sampler |', `docs/results.md (${name})`);
    cells.push({ name, rows: new Map(body.map((r) => [r[0], new Map(head.map((h, i) => [h, r[i]]))])) });
  }
  return cells;
}

/** The cell a README row describes: the one whose name's every word ("countdown", "3") is a word of the row's label. */
function cellOf(label: string, cells: readonly Cell[]): Cell {
  const words = new Set(label.toLowerCase().split(/[^a-z0-9]+/));
  const matches = cells.filter((c) => c.name.split('-').every((w) => words.has(w)));
  if (matches.length !== 1) throw new Error(`README row "${label}": matches ${matches.length} cells of docs/results.md (${matches.map((c) => c.name).join(', ') || 'none'}), expected one`);
  return matches[0];
}

const readmeTable = tableAt(read('README.md'), '| task (held-out, 200 examples) |', 'README.md');
const cells = resultCells(read('docs/results.md'));

describe("README's result table agrees with docs/results.md", () => {
  it('has the columns this test reads, and rows', () => {
    expect(readmeTable[0]).toEqual(['task (held-out, 200 examples)', 'issue bar', 'greedy confidence', 'Info-Gain (bypass 0.8 / none)', 'best-of-8', 'cumulative uncertainty, confidence → Info-Gain (no bypass)']);
    expect(readmeTable.length).toBeGreaterThan(1);
    expect(cells.map((c) => c.name)).toContain('countdown-3');
  });

  it.each(readmeTable.slice(1).map((row) => [row[0], row] as const))('%s', (label, row) => {
    const cell = cellOf(label, cells);
    // The text row reports the win rate against the bigram chain; the others accuracy.
    const column = /win rate vs the bigram/.test(label) ? 'win rate vs bigram' : 'accuracy % [95% CI]';
    const documented = (sampler: string, col: string): number => {
      const text = cell.rows.get(sampler)?.get(col);
      if (text === undefined) throw new Error(`docs/results.md ${cell.name}: no "${col}" for ${sampler}`);
      return figure(text.split(' ')[0], `docs/results.md ${cell.name} ${sampler}`).value;
    };
    const agrees = (written: string, sampler: string, col: string) => {
      const f = figure(written, `README "${label}"`);
      const actual = documented(sampler, col);
      expect(Math.abs(f.value - actual), `README "${label}": ${written} for ${sampler}, docs/results.md says ${actual}`).toBeLessThanOrEqual(f.tolerance);
    };
    const [, bar, confidence, infoGain, bestOf8, uncertainty] = row;
    agrees(confidence, 'confidence', column);
    const [bypass, none] = infoGain.split('/');
    agrees(bypass, 'info-gain', column);
    agrees(none, 'info-gain:nobypass', column);
    agrees(bestOf8, 'best-of-n', column);
    const [from, to] = uncertainty.replace(/ nats$/, '').split('→');
    agrees(from, 'confidence', 'CU mean');
    agrees(to, 'info-gain:nobypass', 'CU mean');
    // "≥ 50% solved: **met**": met exactly when greedy confidence reaches the bar.
    const stated = /^≥ (\d+)%.*: \*\*(met|not met)\*\*$/.exec(bar);
    if (stated) expect(stated[2], `README "${label}": the bar ≥ ${stated[1]}%`).toBe(documented('confidence', column) >= Number(stated[1]) ? 'met' : 'not met');
    else expect(bar).toBe('report');
  });
});
