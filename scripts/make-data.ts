/**
 * Training and held-out data for training/train.py, made with the package's own task generators
 * (so Python trains on exactly the distribution the TypeScript evaluation draws from).
 *
 *   npx tsx scripts/make-data.ts countdown --n N --seed S --out FILE.jsonl
 *        [--count 3|4 | --mix P] [--exclude FILE.jsonl ...] [--exclude-seeds A-B] [--exclude-n K]
 *   npx tsx scripts/make-data.ts sudoku --n N --seed S --blanks 45|A-B --out FILE.csv [--grade WORDS] [--describe 1]
 *
 * countdown: one JSON object per line, `{"input":"44,15,79,50","output":"44-15=29,79-29=50"}` (the
 *   common JSONL format, read back by `parseCountdownJsonl`). With `--count c` the file is
 *   `generateSet(S, N, {count: c})`. Without it (the default, training data) it mixes 3- and
 *   4-number problems: `generateSet(S, round(P·N), {count: 3})` and `generateSet(S + 1, N − that,
 *   {count: 4})`, interleaved by a seeded shuffle (P = `--mix`, default 0.7).
 *   Exclusion: every problem of the `--exclude` files and of `generateSet(s, K, {count: 3 and 4})`
 *   for s in A..B (`--exclude-seeds A-B --exclude-n K`) is dropped from the output, comparing the
 *   problem as a multiset of inputs plus the target (so a reordering of a held-out problem is
 *   dropped too). Dropped examples are not replaced; the count is printed.
 * sudoku: CSV `puzzle,solution` (header line, 81 characters each, 0 = blank; the format of
 *   `parseSudokuCsv`), `generateSet(S, N, {blanks})`: unique-solution puzzles. `--blanks A-B`
 *   draws each puzzle's count from A..B (`blanks: [A, B]`); `--grade` keeps only puzzles of
 *   those grades (the task's `grade=` words, e.g. `pairs+`: `grades` of generateSet);
 *   `--describe 1` adds the columns `blanks,technique,difficulty` (grader.ts). Progress goes to
 *   stderr every 1,000 puzzles.
 *
 * Every output is a pure function of the arguments. Prints one summary line on stderr.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Rng } from '../src/core/rng.js';
import * as countdown from '../src/tasks/countdown.js';
import * as sudoku from '../src/tasks/sudoku.js';
import { parseGradeOption } from '../src/tasks/sudoku/task.js';

const USAGE = `usage:
  npx tsx scripts/make-data.ts countdown --n N --seed S --out FILE.jsonl [--count 3|4 | --mix 0.7]
      [--exclude FILE.jsonl ...] [--exclude-seeds A-B] [--exclude-n K]
  npx tsx scripts/make-data.ts sudoku --n N --seed S --blanks 45|A-B --out FILE.csv [--grade WORDS] [--describe 1]`;

function fail(msg: string): never {
  console.error(`make-data: ${msg}`);
  console.error(USAGE);
  process.exit(2);
}

const [task, ...rest] = process.argv.slice(2);
if (task !== 'countdown' && task !== 'sudoku') fail(`first argument must be countdown or sudoku, got ${JSON.stringify(task)}`);

const opts = new Map<string, string[]>();
for (let i = 0; i < rest.length; i += 2) {
  const k = rest[i];
  const v = rest[i + 1];
  if (!k.startsWith('--') || v === undefined) fail(`expected --option value pairs, got ${JSON.stringify(rest.slice(i))}`);
  const name = k.slice(2);
  opts.set(name, [...(opts.get(name) ?? []), v]);
}
const allowed: Record<string, string[]> = {
  countdown: ['n', 'seed', 'out', 'count', 'mix', 'exclude', 'exclude-seeds', 'exclude-n'],
  sudoku: ['n', 'seed', 'out', 'blanks', 'grade', 'describe'],
};
for (const k of opts.keys()) if (!allowed[task].includes(k)) fail(`unknown option --${k} for ${task}`);

function one(name: string, def?: string): string {
  const v = opts.get(name);
  if (!v) {
    if (def === undefined) fail(`--${name} is required`);
    return def;
  }
  if (v.length > 1) fail(`--${name} given twice`);
  return v[0];
}
function int(name: string, def?: string): number {
  const s = one(name, def);
  if (!/^\d+$/.test(s)) fail(`--${name} must be a non-negative integer, got ${JSON.stringify(s)}`);
  return Number(s);
}

const n = int('n');
const seed = int('seed');
const out = one('out');

function write(text: string): void {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
}

const t0 = Date.now();
if (task === 'sudoku') {
  const b = one('blanks', '45');
  const range = /^(\d+)-(\d+)$/.exec(b);
  if (!range && !/^\d+$/.test(b)) fail(`--blanks must be an integer or A-B, got ${JSON.stringify(b)}`);
  const blanks: number | [number, number] = range ? [Number(range[1]), Number(range[2])] : Number(b);
  const grades = opts.has('grade') ? parseGradeOption(one('grade')) : undefined;
  if (grades === null) fail(`--grade must be techniques or difficulties (${[...sudoku.TECHNIQUES, 'easy', 'medium', 'hard', 'expert'].join(', ')}), comma-separated, each with an optional +; got ${JSON.stringify(one('grade'))}`);
  const describe = one('describe', '0');
  if (describe !== '0' && describe !== '1') fail(`--describe must be 0 or 1, got ${JSON.stringify(describe)}`);
  // generateSet's loop, example by example (example i is generatePuzzle(new Rng(seed).fork(i)), as there), for progress lines
  const root = new Rng(seed);
  const lines = [describe === '1' ? 'puzzle,solution,blanks,technique,difficulty' : 'puzzle,solution'];
  const byTechnique = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const p = sudoku.generatePuzzle(root.fork(i), { blanks, size: 9, ...(grades ? { grades } : {}) });
    const row = `${sudoku.formatGrid(p.puzzle, { blank: '0' })},${sudoku.formatGrid(p.solution)}`;
    lines.push(describe === '1' ? `${row},${p.blanks},${p.grade.technique},${p.grade.difficulty}` : row);
    byTechnique.set(p.grade.technique, (byTechnique.get(p.grade.technique) ?? 0) + 1);
    if ((i + 1) % 1000 === 0 && i + 1 < n) console.error(`make-data: ${i + 1}/${n} sudoku puzzles (${Math.round((Date.now() - t0) / 1000)} s)`);
  }
  write(lines.join('\n') + '\n');
  const mix = sudoku.TECHNIQUES.filter((t) => byTechnique.has(t)).map((t) => `${t} ${byTechnique.get(t)}`).join(', ');
  console.error(
    `make-data: wrote ${out}: ${n} sudoku puzzles, ${range ? `${range[1]}–${range[2]}` : b} blanks${grades ? ` (grades ${grades.join(', ')})` : ''}, seed ${seed} (${Date.now() - t0} ms; ${mix})`,
  );
} else {
  const key = (p: countdown.CountdownProblem): string => `${[...p.numbers].sort((a, b) => a - b).join(',')}:${p.target}`;
  const excluded = new Set<string>();
  for (const file of opts.get('exclude') ?? []) {
    for (const r of countdown.parseCountdownJsonl(readFileSync(file, 'utf8'), file)) excluded.add(key(r));
  }
  if (opts.has('exclude-seeds')) {
    const m = /^(\d+)-(\d+)$/.exec(one('exclude-seeds'));
    if (!m || Number(m[2]) < Number(m[1])) fail(`--exclude-seeds must be A-B with A <= B, got ${one('exclude-seeds')}`);
    const k = int('exclude-n', '1000');
    for (let s = Number(m[1]); s <= Number(m[2]); s++)
      for (const count of [3, 4] as const) for (const p of countdown.generateSet(s, k, { count })) excluded.add(key(p));
  } else if (opts.has('exclude-n')) fail('--exclude-n needs --exclude-seeds');

  let examples: countdown.CountdownExample[];
  let what: string;
  if (opts.has('count')) {
    if (opts.has('mix')) fail('give --count or --mix, not both');
    const count = int('count');
    if (count !== 3 && count !== 4) fail(`--count must be 3 or 4, got ${count}`);
    examples = countdown.generateSet(seed, n, { count });
    what = `${count}-number`;
  } else {
    const mix = Number(one('mix', '0.7'));
    if (!(mix >= 0 && mix <= 1)) fail(`--mix must be in [0, 1], got ${one('mix', '0.7')}`);
    const n3 = Math.round(mix * n);
    examples = [...countdown.generateSet(seed, n3, { count: 3 }), ...countdown.generateSet(seed + 1, n - n3, { count: 4 })];
    const rng = new Rng(seed).fork(0x5eed);
    for (let i = examples.length - 1; i > 0; i--) {
      const j = rng.nextInt(i + 1);
      [examples[i], examples[j]] = [examples[j], examples[i]];
    }
    what = `${n3} 3-number + ${n - n3} 4-number`;
  }
  const kept = excluded.size ? examples.filter((e) => !excluded.has(key(e))) : examples;
  const lines = kept.map((e) => JSON.stringify({ input: [...e.numbers, e.target].join(','), output: e.solution }));
  write(lines.join('\n') + (lines.length ? '\n' : ''));
  console.error(
    `make-data: wrote ${out}: ${kept.length} countdown problems (${what}, seed ${seed}; ` +
      `${examples.length - kept.length} dropped as equal to one of ${excluded.size} excluded problems) (${Date.now() - t0} ms)`,
  );
}
