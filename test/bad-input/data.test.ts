/**
 * Bad-input matrix, data files and task options: every case exits 2 with one line that names the
 * problem (file, line, field or option, value, what was expected), and nothing is written.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cli } from '../helpers/cli.js';
import { formatGrid, generateSet } from '../../src/tasks/sudoku.js';

const root = mkdtempSync(join(tmpdir(), 'infogain-bad-data-'));
let files = 0;
/** A file with `content` in a fresh folder; its path. */
function file(name: string, content: string): string {
  const dir = join(root, `f${files++}`);
  mkdirSync(dir);
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}
const out = () => join(root, `out${files++}`);

afterEach(() => vi.restoreAllMocks());

const [p0, p1, p2] = generateSet(3, 3, { blanks: 10 }).map((p) => `${formatGrid(p.puzzle, { blank: '0' })},${formatGrid(p.solution)}`);
const RATED = `id,puzzle,solution,clues,difficulty,level\n1,${p0},71,2.5,easy\n2,${p1},71,3.1,hard\n3,${p2},71,0.4,easy\n`;
const QUIZZES = `id,quizzes,solutions,level\n1,${p0},easy\n`;

const evalOn = (task: string, data: string, ...more: string[]) => ['eval', '--task', task, '--samplers', 'confidence', '--data', data, '--out', out(), ...more];

type Case = [name: string, args: () => string[], expected: RegExp];

const CASES: Case[] = [
  // Files that hold no example.
  ['empty sudoku CSV', () => evalOn('sudoku', file('empty.csv', '')), /empty\.csv: no puzzle: the file is empty$/],
  ['header-only sudoku CSV', () => evalOn('sudoku', file('head.csv', 'puzzle,solution\n\n')), /head\.csv: no puzzle: the file holds only a header line \(puzzle,solution\)$/],
  ['blank-lines-only countdown JSONL', () => evalOn('countdown', file('blank.jsonl', '\n  \n')), /blank\.jsonl: no problem: the file is empty$/],
  ['empty text file', () => evalOn('text', file('empty.txt', '')), /empty\.txt: no passage: the file is empty$/],

  // Task options: every value checked against what the generator takes.
  ['text kind=poem', () => ['eval', '--task', 'text', '--task-option', 'kind=poem', '--out', out()], /--task-option kind=poem: kind must be infilling or unconditional, got "poem"$/],
  ['countdown count=5', () => ['compare', '--model', 'countdown', '--task-option', 'count=5'], /--task-option count=5: count must be 3 or 4, got 5$/],
  ['sudoku blanks range reversed', () => ['compare', '--model', 'sudoku', '--task-option', 'blanks=[50,40]'], /--task-option blanks=\[50,40\]: blanks must be an integer or \[min, max\] within 0\.\.81, got \[50,40\]$/],
  ['sudoku blanks as a word', () => ['compare', '--model', 'sudoku', '--task-option', 'blanks=many'], /--task-option blanks=many: blanks must be an integer or \[min, max\] within 0\.\.81, got "many"$/],
  ['text promptLength with infilling', () => ['compare', '--model', 'text', '--task-option', 'promptLength=8'], /--task-option promptLength=8: promptLength applies only with kind=unconditional/],
  [
    'config task_options kind: poem',
    () => ['eval', '--config', file('c.yaml', 'task: text\ntask_options:\n  kind: poem\n'), '--out', out()],
    /--config .*c\.yaml: task_options\.kind=poem: kind must be infilling or unconditional, got "poem"$/,
  ],
  ['--task-option with --data', () => evalOn('sudoku', file('ok.csv', `${p0}\n`), '--task-option', 'blanks=45'), /--task-option blanks=45: task options configure the sudoku generator, but the examples come from --data .*ok\.csv$/],

  // Countdown JSONL layouts: never guessed.
  [
    'countdown layouts mixed in one file',
    () => evalOn('countdown', file('mixed.jsonl', '{"input":"30,100,93","output":"23"}\n{"input":"44,15,79,50","output":"44-15=29,79-29=50"}\n')),
    /mixed\.jsonl:2: field "output" is a solution, but line 1's is a target: one layout per file$/,
  ],
  [
    'countdown target also in input',
    () => evalOn('countdown', file('twice.jsonl', '{"input":"44,15,79,50","output":"50"}\n')),
    /twice\.jsonl:1: ambiguous: the target 50 in "output" is also input's last number/,
  ],
  [
    'countdown solution that does not end at input\'s last number',
    () => evalOn('countdown', file('nums.jsonl', '{"input":"44,15,79","output":"44-15=29,79-29=50"}\n')),
    /nums\.jsonl:1: ambiguous: the solution in "output" ends at 50, but input's last number \(read as the target\) is 79; does input hold only the numbers\?$/,
  ],
  [
    'countdown target layout with a line that has no target',
    () => evalOn('countdown', file('gap.jsonl', '{"input":"30,100,93","output":"23"}\n{"input":"3,7,2"}\n')),
    /gap\.jsonl:2: no "output", but line 1 holds the target there .*: this problem has no target$/,
  ],
  ['countdown output neither solution nor target', () => evalOn('countdown', file('odd.jsonl', '{"input":"3,7,2,8","output":"eight"}\n')), /odd\.jsonl:1: field "output" must be a solution like "44-15=29,79-29=50" or a target \(a positive integer\), got "eight"$/],
  [
    'countdown problem too large for the canvas',
    () => evalOn('countdown', file('big.jsonl', '{"input":"12345678,23456789,34567890,45678901","output":"98765432"}\n')),
    /big\.jsonl:1: the countdown model cannot take this problem: the prompt 12345678,23456789,34567890,45678901:98765432= \(45 characters\) leaves 2 of the 48 canvas positions for the solution \(one more for EOS\), fewer than the shortest step a\+b=c; it fits the 64-token canvas of countdown-64 \(--model countdown-64\)$/,
  ],
  [
    "countdown file solution longer than the canvas's room",
    () => evalOn('countdown', file('long.jsonl', `{"input":"99,98,97,96,95,94,93,92,${99 + 98 + 97 + 96 + 95 + 94 + 93 + 92}","output":"99+98=197,197+97=294,294+96=390,390+95=485,485+94=579,579+93=672,672+92=764"}\n`)),
    /long\.jsonl:1: the countdown model cannot take this problem: the prompt 99,98,97,96,95,94,93,92:764= \(28 characters\) leaves 19 of the 48 canvas positions .*; the file's solution has 75$/,
  ],
  // Columns and filters.
  ['wide CSV without a puzzle column', () => evalOn('sudoku', file('kaggle.csv', `id,grid,answer,level\n1,${p0},easy\n`)), /kaggle\.csv: no puzzle column \(looked for puzzle, quizzes, quiz; the file's columns: id, grid, answer, level\); name it with --data-columns puzzle=<column>$/],
  ['--data-columns names a missing column', () => evalOn('sudoku', file('q.csv', QUIZZES), '--data-columns', 'puzzle=grid'), /q\.csv: --data-columns puzzle=grid: no column "grid"; the file's columns: id, quizzes, solutions, level$/],
  ['--data-columns names an unknown field', () => evalOn('sudoku', file('q.csv', QUIZZES), '--data-columns', 'board=quizzes'), /q\.csv: --data-columns board=…: the task has no field "board"; its fields: puzzle, solution$/],
  ['--data-columns on a file without a header', () => evalOn('sudoku', file('bare.csv', `${p0}\n`), '--data-columns', 'puzzle=quizzes'), /bare\.csv:1: --data-columns needs a header line naming the columns; the file has none \(line 1 is a puzzle\)$/],
  ['--data-filter on a missing column', () => evalOn('sudoku', file('r.csv', RATED), '--data-filter', 'rating=5'), /r\.csv:2: --data-filter rating=5: no column "rating"; the row's columns: id, puzzle, solution, clues, difficulty, level$/],
  ['--data-filter that keeps nothing', () => evalOn('sudoku', file('r.csv', RATED), '--data-filter', 'level=expert'), /r\.csv: --data-filter level=expert kept none of the 3 rows \(level holds "easy", "hard"\)$/],
  ['--data-filter without a value', () => evalOn('sudoku', file('r.csv', RATED), '--data-filter', 'level'), /--data-filter "level": expected column=value\[,value…\], e\.g\. level=hard$/],
  ['--data-filter without --data', () => ['eval', '--task', 'sudoku', '--data-filter', 'level=hard', '--out', out()], /--data-filter selects from a data file; give --data <file>$/],
  ['CSV row with fewer fields than its header', () => evalOn('sudoku', file('short.csv', `id,puzzle,solution,level\n1,${p0}\n`)), /short\.csv:2: 3 fields, but the header has 4 \(id,puzzle,solution,level\)$/],
  ['unclosed quote in a CSV row', () => evalOn('sudoku', file('quote.csv', `id,puzzle,solution,level\n1,${p0},"hard\n`)), /quote\.csv:2: a quoted field is not closed on its line/],
  ['--data-columns on text passages', () => evalOn('text', file('p.txt', 'x'.repeat(200)), '--data-columns', 'passage=body'), /p\.txt: --data-columns and --data-filter do not apply to text/],
  ['config data_filter of the wrong shape', () => ['eval', '--config', file('d.yaml', `task: sudoku\ndata: ${join(root, 'none.csv')}\ndata_filter: [hard]\n`), '--out', out()], /data_filter: \["hard"\], expected a mapping/],

  // compare takes --data too, with the same checks.
  ['compare --data with an empty file', () => ['compare', '--model', 'sudoku', '--data', file('e.csv', '\n')], /e\.csv: no puzzle: the file is empty$/],
  ['compare --data on an oracle model', () => ['compare', '--model', 'hmm-demo', '--data', file('x.csv', `${p0}\n`)], /compare: --data needs a task \(--task, or a built-in task model\); hmm-demo has none$/],
];

describe('bad data files and task options', () => {
  it.each(CASES)('%s: exit 2, one line naming the problem', async (_name, args, expected) => {
    const a = args();
    const r = await cli(...a);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^infogain: /);
    expect(lines[0]).toMatch(expected);
    // Nothing written: an eval that refuses its input leaves no meta.json behind.
    const o = a.indexOf('--out');
    if (o >= 0) expect(existsSync(join(a[o + 1], 'meta.json'))).toBe(false);
  });
});
