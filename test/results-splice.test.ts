/**
 * scripts/results-splice.ts, which `npm run results -- --write-cell-docs` uses to put one task
 * cell's fresh section and overview column into the committed docs/results.md: exactly the named
 * section or column changes (or, for a cell the document does not show yet, is inserted in the
 * cells' order), every other byte stays, and what cannot be placed is an error naming it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { documentedCounts, dropNotEvaluated, replaceOverviewColumn, replaceSection, sectionStartingWith, spliceOverviewColumn, spliceSection } from '../scripts/results-splice.js';

const DOC = [
  '# Results',
  '',
  '## Overview',
  '',
  'Accuracy · CU · rf.',
  '',
  '| sampler | a-1 (n 200) | b-2 (n 100) | c (n 200) |',
  '|---|---:|---:|---:|',
  '| info-gain | 97.5% · CU 0.21 · 45 rf | 11.0% · CU 10.58 · 51 rf | 45.5% win · CU 61.39 · 82 rf |',
  '| confidence | 97.5% · CU 0.20 · 45 rf | 8.0% · CU 11.45 · 31 rf | baseline · CU 63.26 · 22 rf |',
  '| pc | 3.0% · CU 7.82 · 45 rf | 3.0% · CU 14.97 · 29 rf | 26.0% win · CU 65.66 · 22 rf |',
  '| (every sampler vs the reference) | – | – | 99.0–100.0% win vs bigram |',
  '',
  '## Tables',
  '',
  '### Cell A',
  '',
  '`infogain eval --config configs/a.yaml --n 200 --out out/results/a-1` — full report.',
  '',
  '| sampler | n | accuracy |',
  '|---|---:|---:|',
  '| confidence | 200 | 97.5% |',
  '',
  'Reading of A.',
  '',
  '### Cell B',
  '',
  '`infogain eval --config configs/b.yaml --n 100 --out out/results/b-2` — full report.',
  '',
  '| sampler | n | accuracy |',
  '|---|---:|---:|',
  '| confidence | 100 | 8.0% |',
  '',
  'Reading of B.',
  '',
  '## The oracle lab',
  '',
  '### Lab cell',
  '',
  'Lab text.',
  '',
].join('\n');

/** The document with lines [from, to) (0-based) replaced by `by`. */
const withLines = (doc: string, from: number, to: number, by: string[]) => {
  const lines = doc.split('\n');
  lines.splice(from, to - from, ...by);
  return lines.join('\n');
};

describe('replaceSection', () => {
  it('replaces exactly the named section and keeps the blank line before the next heading', () => {
    const fresh = '### Cell B\n\n`infogain eval --n 200 --out out/results/b-2`\n\n| sampler | n |\n|---|---:|\n| confidence | 200 |\n\nNew reading.\n';
    const out = replaceSection(DOC, '### Cell B', fresh);
    const start = DOC.split('\n').indexOf('### Cell B');
    const end = DOC.split('\n').indexOf('## The oracle lab');
    expect(out).toBe(withLines(DOC, start, end, [...fresh.trimEnd().split('\n'), '']));
    // Before and after the section, byte for byte.
    expect(out.slice(0, DOC.indexOf('### Cell B'))).toBe(DOC.slice(0, DOC.indexOf('### Cell B')));
    expect(out.slice(out.indexOf('\n## The oracle lab'))).toBe(DOC.slice(DOC.indexOf('\n## The oracle lab')));
  });

  it('ends a section at the next "### " heading, and the same text gives the same document', () => {
    const a = DOC.slice(DOC.indexOf('### Cell A'), DOC.indexOf('### Cell B'));
    expect(replaceSection(DOC, '### Cell A', a)).toBe(DOC);
    expect(replaceSection(DOC, '### Cell A', a.trimEnd())).toBe(DOC);
    const out = replaceSection(DOC, '### Cell A', '### Cell A\n\nShort.\n');
    expect(out).toBe(DOC.replace(a, '### Cell A\n\nShort.\n\n'));
  });

  it('replaces a last section that runs to the end of the document', () => {
    expect(replaceSection(DOC, '### Lab cell', '### Lab cell\n\nOther.\n')).toBe(DOC.replace('Lab text.', 'Other.'));
  });

  it('errors on a missing or repeated section and on a fresh text that is not that section', () => {
    expect(() => replaceSection(DOC, '### Cell C', '### Cell C\n')).toThrow('no section "### Cell C"');
    expect(() => replaceSection(`${DOC}### Cell A\n`, '### Cell A', '### Cell A\n')).toThrow('2 sections "### Cell A"');
    expect(() => replaceSection(DOC, '### Cell A', '### Cell B\n')).toThrow('not "### Cell A"');
    expect(() => replaceSection(DOC, '### Cell A', '### Cell A\n\n## Sneaked in\n')).toThrow('another heading, "## Sneaked in"');
  });
});

describe('replaceOverviewColumn', () => {
  // The overview as generated from a checkout that ran only b-2 (with another row order and a row
  // for a sampler b-2 did not run), or b-2 and a new cell.
  const fresh = [
    '| sampler | b-2 (n 150) |',
    '|---|---:|',
    '| confidence | 9.0% · CU 11.00 · 31 rf |',
    '| info-gain | 12.0% · CU 10.00 · 50 rf |',
  ].join('\n');

  it('replaces the header and each row of that column and nothing else', () => {
    const out = replaceOverviewColumn(DOC, fresh, 'b-2');
    const lines = DOC.split('\n');
    const from = lines.indexOf('| sampler | a-1 (n 200) | b-2 (n 100) | c (n 200) |');
    expect(out).toBe(withLines(DOC, from, from + 6, [
      '| sampler | a-1 (n 200) | b-2 (n 150) | c (n 200) |',
      '|---|---:|---:|---:|',
      '| info-gain | 97.5% · CU 0.21 · 45 rf | 12.0% · CU 10.00 · 50 rf | 45.5% win · CU 61.39 · 82 rf |',
      '| confidence | 97.5% · CU 0.20 · 45 rf | 9.0% · CU 11.00 · 31 rf | baseline · CU 63.26 · 22 rf |',
      // pc did not run in the fresh b-2: "–", as the generated overview writes it.
      '| pc | 3.0% · CU 7.82 · 45 rf | – | 26.0% win · CU 65.66 · 22 rf |',
      '| (every sampler vs the reference) | – | – | 99.0–100.0% win vs bigram |',
    ]));
  });

  it('takes the column from a fresh table with more columns, and its own values are kept', () => {
    const wide = [
      '| sampler | c (n 300) | b-2 (n 100) |',
      '|---|---:|---:|',
      '| info-gain | 1.0% win · CU 1.00 · 1 rf | 11.0% · CU 10.58 · 51 rf |',
      '| confidence | baseline · CU 1.00 · 1 rf | 8.0% · CU 11.45 · 31 rf |',
      '| pc | 2.0% win · CU 1.00 · 1 rf | 3.0% · CU 14.97 · 29 rf |',
      '| (every sampler vs the reference) | 98.0–99.0% win vs bigram | – |',
    ].join('\n');
    expect(replaceOverviewColumn(DOC, wide, 'b-2')).toBe(DOC);
    const out = replaceOverviewColumn(DOC, wide, 'c');
    expect(out).toBe(DOC
      .replace('| c (n 200) |', '| c (n 300) |')
      .replace('45.5% win · CU 61.39 · 82 rf', '1.0% win · CU 1.00 · 1 rf')
      .replace('baseline · CU 63.26 · 22 rf', 'baseline · CU 1.00 · 1 rf')
      .replace('26.0% win · CU 65.66 · 22 rf', '2.0% win · CU 1.00 · 1 rf')
      .replace('99.0–100.0% win vs bigram', '98.0–99.0% win vs bigram'));
  });

  it('errors naming a sampler row the old table lacks, unless that column has no value there', () => {
    const extra = `${fresh}\n| lookum | 5.0% · CU 9.00 · 90 rf |\n| eb | 4.0% · CU 9.00 · 20 rf |`;
    expect(() => replaceOverviewColumn(DOC, extra, 'b-2')).toThrow('no row for "lookum", "eb"');
    const dash = '| sampler | a-1 (n 200) | b-2 (n 100) |\n|---|---:|---:|\n| lookum | 1.0% · CU 1.00 · 1 rf | – |';
    expect(() => replaceOverviewColumn(DOC, dash, 'b-2')).not.toThrow();
  });

  it('errors on a missing column, overview or table', () => {
    expect(() => replaceOverviewColumn(DOC, fresh, 'd')).toThrow('no column "d (n …)" in the overview of docs/results.md');
    // "b" is not "b-2": a header matches the whole cell id.
    expect(() => replaceOverviewColumn(DOC, fresh, 'b')).toThrow('no column "b (n …)"');
    expect(() => replaceOverviewColumn(DOC, fresh.replace('b-2', 'x'), 'b-2')).toThrow('no column "b-2 (n …)" in the new overview');
    expect(() => replaceOverviewColumn(DOC.replace('## Overview', '## Summary'), fresh, 'b-2')).toThrow('no "## Overview" section');
    const noTable = DOC.replace(/\n\| sampler[\s\S]*?\n\n/, '\n\n');
    expect(() => replaceOverviewColumn(noTable, fresh, 'b-2')).toThrow('no table under "## Overview"');
  });
});

describe('spliceSection', () => {
  const fresh = '### Cell AB\n\n`infogain eval --n 50 --out out/results/ab`\n\n| sampler | n |\n|---|---:|\n| confidence | 50 |\n\nReading of AB.\n';
  const freshLines = fresh.trimEnd().split('\n');
  const lines = DOC.split('\n');

  it('inserts a new section before the first later cell the document has, with one blank line after it', () => {
    const out = spliceSection(DOC, '### Cell AB', fresh, ['### Cell X', '### Cell B', '### Cell A']);
    const at = lines.indexOf('### Cell B');
    expect(out).toBe(withLines(DOC, at, at, [...freshLines, '']));
    // Before and after, byte for byte; Cell A ends as it did, with its blank line.
    expect(out.slice(0, DOC.indexOf('### Cell B'))).toBe(DOC.slice(0, DOC.indexOf('### Cell B')));
    expect(out.slice(out.indexOf('### Cell B'))).toBe(DOC.slice(DOC.indexOf('### Cell B')));
    expect(out).toContain('Reading of A.\n\n### Cell AB\n\n');
    expect(out).toContain('Reading of AB.\n\n### Cell B\n');
  });

  it('inserts after the last task cell, before the next "## " heading, when no later cell is shown', () => {
    const out = spliceSection(DOC, '### Cell Z', '### Cell Z\n\nZ.\n\n\n', ['### Cell Y']);
    const at = lines.indexOf('## The oracle lab');
    expect(out).toBe(withLines(DOC, at, at, ['### Cell Z', '', 'Z.', '']));
    expect(out).toContain('Reading of B.\n\n### Cell Z\n\nZ.\n\n## The oracle lab\n');
    expect(spliceSection(DOC, '### Cell Z', '### Cell Z\n\nZ.\n', [])).toBe(out);
  });

  it('appends at the end when the tables run to it', () => {
    const short = DOC.slice(0, DOC.indexOf('## The oracle lab'));
    expect(spliceSection(short, '### Cell Z', '### Cell Z\n\nZ.\n', [])).toBe(`${short.trimEnd()}\n\n### Cell Z\n\nZ.\n\n`);
  });

  it('replaces a section the document has, as replaceSection does', () => {
    const b = '### Cell B\n\nNew B.\n';
    expect(spliceSection(DOC, '### Cell B', b, [])).toBe(replaceSection(DOC, '### Cell B', b));
    expect(spliceSection(DOC, '### Cell A', b.replace(/B/g, 'A'), ['### Cell B'])).toBe(replaceSection(DOC, '### Cell A', '### Cell A\n\nNew A.\n'));
  });

  it('errors on a fresh text that is not that section, a repeated neighbour and a document without tables', () => {
    expect(() => spliceSection(DOC, '### Cell AB', '### Cell B\n', ['### Cell B'])).toThrow('not "### Cell AB"');
    expect(() => spliceSection(DOC, '### Cell AB', '### Cell AB\n\n## Sneaked in\n', [])).toThrow('another heading');
    expect(() => spliceSection(`${DOC}### Cell B\n`, '### Cell AB', fresh, ['### Cell B'])).toThrow('2 sections "### Cell B"');
    expect(() => spliceSection(DOC.replace('## Tables', '## Tabellen'), '### Cell AB', fresh, ['### Cell X'])).toThrow('no "## Tables" section');
  });
});

describe('spliceOverviewColumn', () => {
  const header = '| sampler | a-1 (n 200) | b-2 (n 100) | c (n 200) |';
  const from = DOC.split('\n').indexOf(header);
  // The overview as generated from a checkout that ran a-1 and a new cell ab (between a-1 and b-2):
  // ab has no pc row, and a sampler (eb) the committed overview has no row for.
  const fresh = [
    '| sampler | a-1 (n 200) | ab (n 50) |',
    '|---|---:|---:|',
    '| info-gain | 97.5% · CU 0.21 · 45 rf | 40.0% · CU 2.00 · 60 rf |',
    '| confidence | 97.5% · CU 0.20 · 45 rf | 30.0% · CU 3.00 · 40 rf |',
    '| eb | – | 20.0% · CU 4.00 · 20 rf |',
    '| lookum | – | – |',
  ].join('\n');

  it('inserts a new column before the first later cell the overview has, "–" where the fresh run has no value', () => {
    const out = spliceOverviewColumn(DOC, fresh, 'ab', ['d', 'b-2', 'c']);
    expect(out).toBe(withLines(DOC, from, from + 6, [
      '| sampler | a-1 (n 200) | ab (n 50) | b-2 (n 100) | c (n 200) |',
      '|---|---:|---:|---:|---:|',
      '| info-gain | 97.5% · CU 0.21 · 45 rf | 40.0% · CU 2.00 · 60 rf | 11.0% · CU 10.58 · 51 rf | 45.5% win · CU 61.39 · 82 rf |',
      '| confidence | 97.5% · CU 0.20 · 45 rf | 30.0% · CU 3.00 · 40 rf | 8.0% · CU 11.45 · 31 rf | baseline · CU 63.26 · 22 rf |',
      '| pc | 3.0% · CU 7.82 · 45 rf | – | 3.0% · CU 14.97 · 29 rf | 26.0% win · CU 65.66 · 22 rf |',
      // A sampler only the new cell ran: a new row after the others, before the reference row; lookum has no value: no row.
      '| eb | – | 20.0% · CU 4.00 · 20 rf | – | – |',
      '| (every sampler vs the reference) | – | – | – | 99.0–100.0% win vs bigram |',
    ]));
    // Outside the overview table, byte for byte.
    expect(out.slice(0, out.indexOf(header.slice(0, 22)))).toBe(DOC.slice(0, DOC.indexOf(header)));
    expect(out.slice(out.indexOf('\n\n## Tables'))).toBe(DOC.slice(DOC.indexOf('\n\n## Tables')));
  });

  it('appends the column last when no later cell is shown, and new rows last when there is no reference row', () => {
    const noRef = withLines(DOC, from + 5, from + 6, []);
    const out = spliceOverviewColumn(noRef, fresh, 'ab', ['x']);
    expect(out).toBe(withLines(noRef, from, from + 5, [
      '| sampler | a-1 (n 200) | b-2 (n 100) | c (n 200) | ab (n 50) |',
      '|---|---:|---:|---:|---:|',
      '| info-gain | 97.5% · CU 0.21 · 45 rf | 11.0% · CU 10.58 · 51 rf | 45.5% win · CU 61.39 · 82 rf | 40.0% · CU 2.00 · 60 rf |',
      '| confidence | 97.5% · CU 0.20 · 45 rf | 8.0% · CU 11.45 · 31 rf | baseline · CU 63.26 · 22 rf | 30.0% · CU 3.00 · 40 rf |',
      '| pc | 3.0% · CU 7.82 · 45 rf | 3.0% · CU 14.97 · 29 rf | 26.0% win · CU 65.66 · 22 rf | – |',
      '| eb | – | – | – | 20.0% · CU 4.00 · 20 rf |',
    ]));
    expect(spliceOverviewColumn(noRef, fresh, 'ab', [])).toBe(out);
  });

  it('replaces a column the overview has, with today\'s rules (a fresh row with a value and no old row is an error)', () => {
    const b = '| sampler | b-2 (n 150) |\n|---|---:|\n| confidence | 9.0% · CU 11.00 · 31 rf |';
    expect(spliceOverviewColumn(DOC, b, 'b-2', ['c'])).toBe(replaceOverviewColumn(DOC, b, 'b-2'));
    expect(() => spliceOverviewColumn(DOC, `${b}\n| eb | 1.0% · CU 1.00 · 1 rf |`, 'b-2', ['c'])).toThrow('no row for "eb"');
  });

  it('errors on a column the fresh overview lacks and on a missing overview', () => {
    expect(() => spliceOverviewColumn(DOC, fresh, 'd', [])).toThrow('no column "d (n …)" in the new overview');
    expect(() => spliceOverviewColumn(DOC.replace('## Overview', '## Summary'), fresh, 'ab', [])).toThrow('no "## Overview" section');
  });
});

describe('dropNotEvaluated', () => {
  // The document as `npm run results` joins it: [...sections, '', '## Not evaluated', '', ...items, ''] or, with
  // nothing missing, [...sections, ''], the last section ending in a newline of its own.
  const item = (title: string, id: string) => `- ${title}: not evaluated yet (\`npm run results -- ${id}\`)`;
  const generated = (...items: string[]) => [DOC, ...(items.length ? ['', '## Not evaluated', '', ...items] : []), ''].join('\n');
  const listed = generated(item('Cell AB', 'ab'), item('Cell ABC', 'ab-c'));

  it('drops exactly the line of that cell', () => {
    expect(listed).toBe(`${DOC}\n\n## Not evaluated\n\n${item('Cell AB', 'ab')}\n${item('Cell ABC', 'ab-c')}\n`);
    expect(dropNotEvaluated(listed, 'ab')).toBe(generated(item('Cell ABC', 'ab-c')));
    expect(dropNotEvaluated(listed, 'ab-c')).toBe(generated(item('Cell AB', 'ab')));
  });

  it('drops the list with its heading when it is left empty, as the generator writes none then', () => {
    expect(dropNotEvaluated(dropNotEvaluated(listed, 'ab'), 'ab-c')).toBe(generated());
    // A list followed by another section: that section keeps its spacing.
    const middle = `# R\n\nText.\n\n## Not evaluated\n\n${item('Cell AB', 'ab')}\n\n## Next\n`;
    expect(dropNotEvaluated(middle, 'ab')).toBe('# R\n\nText.\n\n## Next\n');
  });

  it('leaves a document without that list or line as it is', () => {
    expect(dropNotEvaluated(DOC, 'ab')).toBe(DOC);
    expect(dropNotEvaluated(listed, 'a')).toBe(listed);
    expect(dropNotEvaluated(listed, 'b-2')).toBe(listed);
  });
});

describe('docs/results.md', () => {
  const doc = readFileSync(join(import.meta.dirname, '..', 'docs', 'results.md'), 'utf8');

  it('documents the n of each cell command, as --write-docs and --write-cell-docs compare it', () => {
    const counts = documentedCounts(doc);
    expect(counts.get('countdown-4')).toBe(200);
    expect(counts.get('sudoku-sweep')).toBe(60);
  });

  it('splices its own section and overview column back unchanged', () => {
    const lines = doc.split('\n');
    const from = lines.findIndex((l, i) => i > lines.indexOf('## Overview') && l.startsWith('|'));
    const overview = lines.slice(from, lines.findIndex((l, i) => i > from && !l.startsWith('|'))).join('\n');
    const heading = lines.find((l, i) => i > lines.indexOf('## Tables') && l.startsWith('### ')) ?? '';
    const start = doc.indexOf(`\n${heading}\n`) + 1;
    const section = doc.slice(start, doc.indexOf('\n### ', start) + 1);
    expect(section).toMatch(/^### .*\n/);
    expect(replaceSection(doc, heading, section)).toBe(doc);
    expect(replaceSection(doc, heading, `${heading}\n\nOther.\n`)).toBe(doc.replace(section, `${heading}\n\nOther.\n\n`));
    const id = /--out out\/results\/([a-z0-9-]+)/.exec(section)?.[1] ?? '';
    expect(replaceOverviewColumn(doc, overview, id)).toBe(doc);
    expect(spliceOverviewColumn(doc, overview, id, [])).toBe(doc);
    expect(spliceSection(doc, heading, section, [])).toBe(doc);
  });

  it('takes a new cell between its neighbours, section and column, every other byte kept', () => {
    const lines = doc.split('\n');
    const from = lines.findIndex((l, i) => i > lines.indexOf('## Overview') && l.startsWith('|'));
    const head = lines[from];
    const section = '### Sudoku 9×9, 63–64 blanks (a cell the document lacks)\n\n`infogain eval --n 200 --out out/results/sudoku-extreme-63-64`\n\nReading.\n';
    let out = spliceSection(doc, '### Sudoku 9×9, 63–64 blanks (a cell the document lacks)', section, ['### Countdown, 3 numbers', '### Countdown, 4 numbers']);
    const fresh = '| sampler | sudoku-extreme-63-64 (n 200) |\n|---|---:|\n| confidence | 50.0% · CU 1.00 · 60 rf |';
    out = spliceOverviewColumn(out, fresh, 'sudoku-extreme-63-64', ['countdown-3', 'countdown-4']);
    expect(out.split('\n')[from]).toBe(head.replace('| countdown-3 (n ', '| sudoku-extreme-63-64 (n 200) | countdown-3 (n '));
    expect(out).toContain('Reading.\n\n### Countdown, 3 numbers\n');
    expect(documentedCounts(out).get('sudoku-extreme-63-64')).toBe(200);
    expect(out.slice(out.indexOf('\n### Countdown, 3 numbers\n'))).toBe(doc.slice(doc.indexOf('\n### Countdown, 3 numbers\n')));
    expect(out.slice(0, out.indexOf('\n## Overview\n'))).toBe(doc.slice(0, doc.indexOf('\n## Overview\n')));
  });
});

describe('sectionStartingWith', () => {
  it('returns the section whose heading starts with the prefix, to the next heading or stop line, ending in one newline', () => {
    expect(sectionStartingWith(DOC, '### Cell B')).toBe(DOC.slice(DOC.indexOf('### Cell B'), DOC.indexOf('\n## The oracle lab')).replace(/\n+$/, '\n'));
    expect(sectionStartingWith(DOC, '### Cell A', ['Reading of A.'])).toBe(`${DOC.slice(DOC.indexOf('### Cell A'), DOC.indexOf('Reading of A.')).trimEnd()}\n`);
    expect(sectionStartingWith(DOC, '### Lab')).toBe('### Lab cell\n\nLab text.\n');
    expect(sectionStartingWith(DOC, '### Cell C')).toBeUndefined();
  });
});
