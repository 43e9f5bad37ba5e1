/**
 * Data files from other tools read correctly: both Countdown JSONL layouts, CSV column selection,
 * filters and extra columns, carried through `eval` into results.jsonl, meta.json and the report's
 * breakdowns; `compare --data`; and the report's wording about baselines.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cli } from './helpers/cli.js';
import { buildReport } from '../src/eval/report.js';
import type { RunMeta } from '../src/eval/harness.js';
import { readResults, type ResultLine } from '../src/eval/results.js';
import { readCountdownJsonl } from '../src/tasks/countdown.js';
import { splitCsvLine } from '../src/tasks/data.js';
import { loadDirTokenizer, readCard } from '../src/models/model-dir.js';
import { countdownTask, sudokuTask } from '../src/tasks/index.js';
import { formatGrid, generateSet, readSudokuCsv } from '../src/tasks/sudoku.js';

const root = mkdtempSync(join(tmpdir(), 'infogain-data-files-'));
let k = 0;
const path = (name: string) => {
  const dir = join(root, `d${k++}`);
  mkdirSync(dir);
  return join(dir, name);
};
const write = (name: string, content: string) => {
  const p = path(name);
  writeFileSync(p, content);
  return p;
};

afterEach(() => vi.restoreAllMocks());

const rows = generateSet(5, 4, { blanks: 8 }).map((p) => [formatGrid(p.puzzle, { blank: '0' }), formatGrid(p.solution)]);
const LEVELS = ['easy', 'hard', 'easy', 'hard'];

describe('Countdown JSONL layouts', () => {
  it('numbers and target in input, solution in output (ours)', () => {
    const f = readCountdownJsonl('{"input":"44,15,79,50","output":"44-15=29,79-29=50"}\n{"input":"25,5,4,100"}\n', 'ours.jsonl');
    expect(f.layout).toBe('solution');
    expect(f.records).toEqual([{ numbers: [44, 15, 79], target: 50, solution: '44-15=29,79-29=50' }, { numbers: [25, 5, 4], target: 100 }]);
    expect(f.lines).toEqual([1, 2]);
  });

  it('numbers in input, target in output (public CD3 sets), as strings, numbers or arrays', () => {
    const f = readCountdownJsonl('{"input":"30,100,93","output":"23"}\n{"input":[3,7,2],"output":13}\n', 'cd3.jsonl');
    expect(f.layout).toBe('target');
    expect(f.records).toEqual([{ numbers: [30, 100, 93], target: 23 }, { numbers: [3, 7, 2], target: 13 }]);
  });

  it('the task names the layout it read, and says which problems are beyond the training range', () => {
    const d = countdownTask.readData('{"input":"30,100,93","output":"23"}\n{"input":"3,7,2","output":"13"}\n', 'cd3.jsonl');
    expect(d.summary).toBe('countdown JSONL, layout: numbers in "input", target in "output"; 2 with 3 numbers');
    expect(d.notes).toHaveLength(1);
    expect(d.notes[0]).toMatch(/^cd3\.jsonl: 1 of 2 problems have a number above 99 or a target above 999, beyond the range .* they are evaluated and marked range="beyond training"/);
    expect(d.examples.map((e) => countdownTask.describe(e).range)).toEqual(['beyond training', 'within training']);
    const ours = countdownTask.readData('{"input":"44,15,79,50","output":"44-15=29,79-29=50"}\n', 'ours.jsonl');
    expect(ours.summary).toBe('countdown JSONL, layout: numbers and target in "input", solution in "output"; 1 with 3 numbers');
    expect(ours.notes).toEqual([]);
    expect(countdownTask.describe(ours.examples[0])).toEqual({ count: 3, numbers: '44,15,79', target: 50 });
  });

  it('four numbers with three digits fit the canvas, but the longest solutions might not: said, not refused', () => {
    const d = countdownTask.readData('{"input":"100,100,100,100","output":"400"}\n', 'cd4.jsonl');
    expect(d.examples).toEqual([{ numbers: [100, 100, 100, 100], target: 400, extra: { range: 'beyond training' } }]);
    expect(d.notes[1]).toBe(
      'cd4.jsonl: 1 of 1 problems leave less room after the prompt than their longest possible solution needs (the canvas has 48 positions); an answer longer than the room left is cut off and graded wrong',
    );
  });

  it("the public 4-number format (Ye et al.) as it is: a 34-character solution fits countdown-64's canvas, while countdown's 48 refuse it and name countdown-64", async () => {
    // The longest shapes of that format: 2-digit numbers, a 3-digit target, three steps with 4-digit intermediates.
    const line = '{"input":"98,97,99,96,864","output":"98*97=9506,9506+99=9605,9605/96=864"}\n';
    expect('98*97=9506,9506+99=9605,9605/96=864'.length).toBe(35);
    const card64 = await readCard('models/countdown-64', null);
    expect(card64.contextLimit).toBe(64);
    const d = countdownTask.readData(line, 'cd4-public.jsonl', undefined, card64);
    expect(d.examples).toHaveLength(1);
    expect(d.notes).toEqual([]);
    const tokenizer = await loadDirTokenizer('models/countdown-64');
    const e = countdownTask.encode(d.examples[0], { card: card64, tokenizer: tokenizer! });
    expect(e.canvas.length).toBe(64);
    expect(e.promptLength).toBe('98,97,99,96:864='.length);
    const card48 = await readCard('models/countdown', null);
    expect(() => countdownTask.readData(line, 'cd4-public.jsonl', undefined, card48)).toThrow(
      /^cd4-public\.jsonl:1: the countdown model cannot take this problem: the prompt 98,97,99,96:864= \(16 characters\) leaves 31 of the 48 canvas positions .* the file's solution has 35; it fits the 64-token canvas of countdown-64 \(--model countdown-64\)$/,
    );
  });

  it('renamed fields, filters on other keys, other keys kept as data.<key>', () => {
    const text = ['{"question":"30,100,93","answer":"23","level":"hard","id":1}', '{"question":"3,7,2","answer":"13","level":"easy","id":2}'].join('\n');
    const f = readCountdownJsonl(text, 'q.jsonl', { columns: { input: 'question', output: 'answer' }, filter: { level: ['easy'] } });
    expect(f.layout).toBe('target');
    expect(f.rows).toBe(2);
    expect(f.records).toEqual([{ numbers: [3, 7, 2], target: 13, extra: { 'data.level': 'easy', 'data.id': 2 } }]);
    expect(f.lines).toEqual([2]);
  });
});

describe('Sudoku CSV columns and filters', () => {
  const rated = `id,puzzle,solution,clues,difficulty,level\n${rows.map((r, i) => `${i},${r[0]},${r[1]},73,${(i * 1.5).toFixed(1)},${LEVELS[i]}`).join('\n')}\n`;

  it('a wide file with puzzle/solution headers: other columns kept per example as data.<column>', () => {
    const csv = readSudokuCsv(rated, 'rated.csv');
    expect(csv.rows).toBe(4);
    expect([...csv.columns]).toEqual([['puzzle', 'puzzle'], ['solution', 'solution']]);
    expect(csv.records[1].extra).toEqual({ 'data.id': 1, 'data.clues': 73, 'data.difficulty': 1.5, 'data.level': 'hard' });
    expect(formatGrid(csv.records[3].solution!)).toBe(rows[3][1]);
    // The file's difficulty never overwrites the grader's.
    const e = sudokuTask.readData(rated, 'rated.csv').examples[1];
    expect(sudokuTask.describe(e)).toMatchObject({ difficulty: 'easy', 'data.difficulty': 1.5, 'data.level': 'hard' });
  });

  it('--data-filter keeps matching rows; the summary says what was read and kept', () => {
    const d = sudokuTask.readData(rated, 'rated.csv', { filter: { level: ['hard'] } });
    expect(d.examples.map((e) => e.extra!['data.id'])).toEqual([1, 3]);
    expect(d.summary).toBe(
      'sudoku CSV, 4 rows: puzzle from column "puzzle", solution from column "solution"; kept per example as data.<column>: id, clues, difficulty, level; filter level=hard: 2 of 4 rows kept',
    );
  });

  it('named columns, quoted fields, and two-column files still read by position', () => {
    const named = `quizzes,solutions,"tag, quoted"\n${rows[0][0]},${rows[0][1]},"a ""b"", c"\n`;
    const csv = readSudokuCsv(named, 'named.csv', { columns: { puzzle: 'quizzes', solution: 'solutions' } });
    expect(csv.records[0].extra).toEqual({ 'data.tag, quoted': 'a "b", c' });
    expect(readSudokuCsv(`a,b\n${rows[0][0]},${rows[0][1]}\n`, 'ab.csv').records).toHaveLength(1);
    expect(splitCsvLine('x,"",y,', 'l')).toEqual(['x', '', 'y', '']);
  });
});

describe('eval and compare on a --data file', () => {
  const file = () =>
    write('kaggle.csv', `quizzes,solutions,level\n${rows.map((r, i) => `${r[0]},${r[1]},${LEVELS[i]}`).join('\n')}\n${rows[0][0]},${rows[0][1]},expert\n`);

  it('columns and filter from a config: results carry the column, the report breaks down by it and shows the file, not generator options', async () => {
    const data = file();
    const out = path('run');
    const cfg = write(
      'cfg.yaml',
      `task: sudoku\nsamplers: [confidence, margin]\ntask_options:\n  blanks: [40, 50]\ndata: ${data}\ndata_columns: {puzzle: quizzes, solution: solutions}\ndata_filter: {level: [easy, hard]}\n`,
    );
    const r = await cli('eval', '--config', cfg, '--out', out);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`--data ${data}: sudoku CSV, 5 rows: puzzle from column "quizzes", solution from column "solutions"; kept per example as data.<column>: level; filter level=easy,hard: 4 of 5 rows kept`);
    expect(r.stderr).toMatch(/note: task_options in .*cfg\.yaml \(blanks=\[40,50\]\) configure the generator and do not apply/);
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    expect(meta).toMatchObject({ data, n: 4, taskOptions: {}, dataRead: { columns: { puzzle: 'quizzes', solution: 'solutions' }, filter: { level: ['easy', 'hard'] }, available: 4 } });
    const lines = readResults(join(out, 'results.jsonl'));
    expect(lines.filter((l) => l.sampler === 'confidence').sort((a, b) => a.example - b.example).map((l) => l.info['data.level'])).toEqual(LEVELS);

    const rep = await cli('report', out, '--bootstrap', '0');
    expect(rep.code).toBe(0);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain(`- data: ${data} (columns puzzle=quizzes,solution=solutions; filter level=easy,hard)`);
    expect(md).toContain('  - read: sudoku CSV, 5 rows');
    expect(md).not.toMatch(/blanks=|data: generated/);
    expect(md).toMatch(/## Accuracy by data\.level\n\n\| data\.level \| examples \| confidence \| margin \|\n\|---\|---:\|---:\|---:\|\n\| easy \| 2 \|.*\n\| hard \| 2 \|/);
  });

  it('a CD3-layout countdown file: the layout and the range note on stderr, the range in every result line', async () => {
    const data = write('cd3.jsonl', '{"input":"30,100,93","output":"23"}\n{"input":"3,7,2","output":"13"}\n');
    const out = path('cd3');
    const r = await cli('eval', '--task', 'countdown', '--samplers', 'confidence', '--data', data, '--out', out);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`--data ${data}: countdown JSONL, layout: numbers in "input", target in "output"; 2 with 3 numbers`);
    expect(r.stderr).toContain(`note: ${data}: 1 of 2 problems have a number above 99`);
    const lines = readResults(join(out, 'results.jsonl')).sort((a, b) => a.example - b.example);
    expect(lines.map((l) => [l.info.numbers, l.info.target, l.info.range])).toEqual([
      ['30,100,93', 23, 'beyond training'],
      ['3,7,2', 13, 'within training'],
    ]);
  });

  it('compare --data evaluates every example of the file unless --n says otherwise', async () => {
    const data = file();
    const r = await cli('compare', '--model', 'sudoku', '--samplers', 'confidence', '--data', data, '--data-columns', 'puzzle=quizzes', '--data-filter', 'level=hard');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`model sudoku, task sudoku \\(data ${data.replace(/[.\\/]/g, '\\$&')}\\), n = 2, seed 0`));
    expect(r.stdout).not.toContain('blanks');
    const two = await cli('compare', '--model', 'sudoku', '--samplers', 'confidence', '--data', data, '--data-columns', 'puzzle=quizzes', '--n', '3');
    expect(two.stdout).toMatch(/n = 3, seed 0/);
    expect(two.stderr).toContain('the first 3 of 5 examples (--n 3)');
  });
});

describe('report wording', () => {
  it('a variant of Info-Gain is never "the best baseline"', () => {
    const names = ['info-gain', 'info-gain:nobypass', 'confidence', 'best-of-n:n4'];
    // Right answers per sampler over 10 examples: the variant is best, then the best-of-n variant (a baseline).
    const right: Record<string, number> = { 'info-gain': 6, 'info-gain:nobypass': 9, confidence: 5, 'best-of-n:n4': 7 };
    const cu: Record<string, number> = { 'info-gain': 3, 'info-gain:nobypass': 2, confidence: 4, 'best-of-n:n4': 5 };
    const lines: ResultLine[] = names.flatMap((s) =>
      Array.from({ length: 10 }, (_, e) => ({
        example: e, sampler: s, seed: e, correct: e < right[s], score: null, answer: '', cumulativeUncertainty: cu[s] + e / 10,
        forwardCalls: 1, rowForwards: 1, wallMs: 1, order: [], info: {},
      })),
    );
    const meta: RunMeta = { task: 'sudoku', model: 'sudoku', n: 10, seed: 0, data: null, taskOptions: {}, samplers: names.map((name) => ({ name, params: {}, decode: {} })) };
    const report = buildReport('dir', meta, lines, { bootstrap: 0 });
    expect(report.reading).toContain('info-gain:nobypass has the highest accuracy, 90.0%');
    expect(report.reading).toContain(`that of the best baseline by accuracy, best-of-n:n4 (${(5.45).toFixed(2)} nats)`);
  });
});
