/**
 * `npm run results -- [cell[:n] …] [options]`: the reproduction report. Runs (or resumes) the named
 * task cells' evaluations (default: every cell; `:n` overrides that cell's example count) into
 * out/results/<cell>/, writes each cell's report.md/report.html there, and assembles the
 * paper-style tables from every cell that has results into out/results/results.md.
 *
 * `--write-frontier-docs` updates only the frontier's part of docs/results.md (its section and the
 * hand-written reading above the overview) and its files in docs/results/, from the frontier cells
 * that have results (a documented frontier cell this checkout has not run keeps its committed
 * section), leaving every other cell's tables as they are: the frontier cells can then
 * be committed from a checkout that has not run the task cells. `--write-cell-docs` does the same
 * for the task cells (CELLS) that have results: it replaces each one's `### <title>` section under
 * "## Tables" and its column of the overview table (scripts/results-splice.ts), or inserts them
 * in the order of CELLS where docs/results.md does not show that cell yet (and drops it from the
 * document's "## Not evaluated" list), copies its page to docs/results/<cell>.md and leaves every
 * other byte of docs/results.md as it was, so one re-run or new cell can be committed from a
 * fresh checkout (out/ does not survive it). It refuses, naming the cell, when the run has fewer
 * examples than documented (`--force` overrides the count) or a fresh overview row has no row to
 * go in; cells without results stay as documented. Both evaluate nothing unless cells are named.
 *
 * Only `--write-docs` rewrites the whole committed report (docs/results.md and
 * docs/results/<cell>.md), and it refuses when a cell has no results or fewer examples than
 * docs/results.md documents (a partial run would otherwise replace the tables that
 * docs/results-reading.md quotes); `--force` overrides that check.
 *
 * The frontier cells (FRONTIER_CELLS, issue 21 §2) are evaluations whose samplers sweep each
 * family's compute knob (configs/frontier-*.yaml); each is read by `infogain frontier` into
 * out/results/<cell>/frontier.md, frontier.html and two PNG charts (headless Chromium, skipped
 * with a note when there is none), and their decision tables and figures open the document.
 *
 * Default example counts are those of the committed report (200 per cell; 60 for the sweep; 1,000 for
 * the confirmation cells; the oracle lab's cells 1,000 prompts, 200 for the Markov chain); `--n`
 * sets every cell's.
 * The oracle lab's cells (LAB_CELLS) run `infogain lab` instead of `infogain eval`; their tables
 * come from the lab.json it writes. Cells can run in separate processes
 * (`npm run results -- sudoku-40-50` and, at the same time, `npm run results -- countdown-3`);
 * the last one to finish assembles the complete document.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { packageRoot } from '../src/node/paths.js';
import { isModelDir } from '../src/models/model-dir.js';
import { labCellTables, type LabAnalysis } from '../src/eval/lab-report.js';
import { digitsTable, fmtNum, fmtPct, mainTable, markdownTable, writeTaskReport, type Report } from '../src/eval/report.js';
import { writeFrontier } from '../src/eval/frontier-files.js';
import { decisionTable } from '../src/eval/frontier-render.js';
import { DEFAULT_CHROMIUM } from '../src/eval/frontier-png.js';
import { ALL_CELLS, CELLS, FRONTIER_CELLS, LAB_CELLS, type Cell, type FrontierCell, type LabCell } from './results-cells.js';
import { documentedCounts, dropNotEvaluated, sectionStartingWith, spliceOverviewColumn, spliceSection } from './results-splice.js';

const root = packageRoot();

const positiveInt = (name: string) => (v: string) => {
  if (!/^[1-9]\d*$/.test(v)) throw new InvalidArgumentError(`${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return Number(v);
};

const program = new Command('npm run results --')
  .description('Run (or resume) the reproduction evaluations into out/results/ and assemble out/results/results.md.')
  .argument('[cells...]', `cells to evaluate, each optionally with :n examples (${ALL_CELLS.map((c) => c.id).join(', ')}); default: all`)
  .option('--n <n>', 'examples per cell for every cell (default: the committed report\'s, 200; sudoku-sweep 60, the confirmations 1,000)', positiveInt('--n'))
  .option('--chromium <path>', `Chromium for the frontier cells' PNG charts (default ${DEFAULT_CHROMIUM}; none there: no PNGs)`, DEFAULT_CHROMIUM)
  .option('--threads <n>', 'onnxruntime threads per evaluation (default: the runtime\'s choice)', positiveInt('--threads'))
  .option('--tables-only', 'evaluate nothing; assemble the tables from the existing runs')
  .option('--write-docs', 'also write docs/results.md and docs/results/<cell>.md (refused if a cell is missing or smaller than documented)')
  .option('--write-frontier-docs', "write only the frontier's part of docs/results.md (its section and the reading) and its pages and PNGs in docs/results/; with no cell named, from the existing runs only (evaluates nothing)")
  .option('--write-cell-docs', "write only the task cells' parts of docs/results.md (each run cell's section and overview column) and their pages in docs/results/; with no cell named, from the existing runs only (evaluates nothing)")
  .option('--force', 'with --write-docs or --write-cell-docs: write even if cells are missing or smaller than documented')
  .showHelpAfterError(false)
  .parse();
const opts = program.opts<{ n?: number; chromium: string; threads?: number; tablesOnly?: boolean; writeDocs?: boolean; writeFrontierDocs?: boolean; writeCellDocs?: boolean; force?: boolean }>();
function usageError(message: string): never {
  return program.error(`results: ${message}`, { exitCode: 2 });
}
if (opts.force && !opts.writeDocs && !opts.writeCellDocs) usageError('--force only applies with --write-docs or --write-cell-docs');
if ([opts.writeDocs, opts.writeFrontierDocs, opts.writeCellDocs].filter(Boolean).length > 1)
  usageError('give one of --write-docs (everything), --write-frontier-docs and --write-cell-docs');
// Links as the committed report has them (docs/results/…) or as the draft beside out/results/ has them.
const docsLinks = opts.writeDocs === true || opts.writeFrontierDocs === true || opts.writeCellDocs === true;

if (opts.n !== undefined) for (const cell of ALL_CELLS) cell.n = opts.n;
const wanted: string[] = [];
for (const arg of program.args) {
  const [id, n, ...rest] = arg.split(':');
  const cell = ALL_CELLS.find((c) => c.id === id);
  if (!cell || rest.length) usageError(`unknown cell "${arg}"; cells: ${ALL_CELLS.map((c) => c.id).join(', ')}`);
  if (n !== undefined) {
    if (!/^[1-9]\d*$/.test(n)) usageError(`"${arg}": the example count after ':' must be a positive integer`);
    cell.n = Number(n);
  }
  wanted.push(id);
}
const THREADS = opts.threads;
// Rewriting the frontier's or the cells' docs from what was run is the common case: it starts no evaluation unless cells are named.
const tablesOnly = opts.tablesOnly === true || ((opts.writeFrontierDocs === true || opts.writeCellDocs === true) && wanted.length === 0);

const outOf = (cell: { id: string }) => join('out', 'results', cell.id);
// Tables of existing runs state the n those runs have (a cell extended with `<cell>:200` keeps it).
if (tablesOnly)
  for (const cell of ALL_CELLS) {
    const meta = join(outOf(cell), 'meta.json');
    if (!program.args.some((a) => a.startsWith(`${cell.id}:`)) && existsSync(meta)) {
      const n = (JSON.parse(readFileSync(meta, 'utf8')) as { n?: unknown }).n;
      if (typeof n === 'number' && Number.isInteger(n) && n > 0) cell.n = n;
    }
  }
const labCommandOf = (cell: LabCell) => `infogain lab --n ${cell.n} --out ${outOf(cell)} ${cell.args.join(' ')}`;
const commandOf = (cell: Cell) => `infogain eval --config ${cell.config} --n ${cell.n} --out ${outOf(cell)} ${cell.options.join(' ')}`.trim();

/** A frontier cell's joined runs: the same cell's examples under another config, in out/results/<id>-<suffix>/. */
const joinsOf = (cell: Cell) => ((cell as FrontierCell).joins ?? []).map((j) => ({ ...cell, id: `${cell.id}-${j.suffix}`, config: j.config }));
for (const cell of [...FRONTIER_CELLS, ...CELLS].filter((c) => !tablesOnly && (wanted.length === 0 || wanted.includes(c.id)))) {
  if (!isModelDir(join(root, 'models', cell.model))) {
    console.log(`\n== ${cell.title}: model \`${cell.model}\` not built (\`npm run train:${cell.model}\`); skipped`);
    continue;
  }
  for (const run of [cell, ...joinsOf(cell)]) {
    mkdirSync(join(root, outOf(run)), { recursive: true });
    const args = ['bin/infogain.js', 'eval', '--config', run.config, '--n', String(run.n), '--out', outOf(run), ...run.options, ...(THREADS ? ['--threads', String(THREADS)] : [])];
    console.log(`\n== ${cell.title}: node ${args.join(' ')}`);
    const r = spawnSync('node', args, { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) {
      console.error(`results: evaluation of ${run.id} failed (exit ${r.status})`);
      process.exit(1);
    }
  }
}

for (const cell of LAB_CELLS.filter((c) => !tablesOnly && (wanted.length === 0 || wanted.includes(c.id)))) {
  mkdirSync(join(root, outOf(cell)), { recursive: true });
  const args = ['bin/infogain.js', 'lab', '--n', String(cell.n), '--out', outOf(cell), ...cell.args];
  console.log(`\n== ${cell.title}: node ${args.join(' ')}`);
  const r = spawnSync('node', args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`results: the lab run of ${cell.id} failed (exit ${r.status})`);
    process.exit(1);
  }
}

// Assemble from every cell with results, whichever process ran it.
// Each task cell's `### ` section, by cell id, in the order of CELLS.
const sections = new Map<string, string>();
const missing: string[] = [];
const overview: { cell: Cell; report: Report }[] = [];
const examples = new Map<string, number>();
// Links to each cell's full report: beside the document (out/results/<cell>/report.md), or the
// copy in docs/results/ when writing the committed report.
const pageOf = (cell: { id: string }) => (FRONTIER_CELLS.some((c) => c.id === cell.id) ? 'frontier.md' : 'report.md');
const reportLink = (cell: { id: string }) => (docsLinks ? `[docs/results/${cell.id}.md](results/${cell.id}.md)` : `[${cell.id}/${pageOf(cell)}](${cell.id}/${pageOf(cell)})`);

// The frontier cells: figures and the decision table per cell. In the committed report the PNGs
// lie in docs/results/ as <cell>-row-forwards.png and <cell>-wall.png.
// Each frontier cell's `## Frontier: ` section, by cell id, in the order of FRONTIER_CELLS.
const frontierSections = new Map<string, string>();
const png = existsSync(opts.chromium) ? { chromium: opts.chromium } : null;
if (!png) console.log(`note: no Chromium at ${opts.chromium}: the frontier cells get no PNG charts (--chromium <path>)`);
const figure = (cell: { id: string }, which: string) => (docsLinks ? `results/${cell.id}-${which}.png` : `${cell.id}/${cell.id}-${which}.png`);
for (const cell of FRONTIER_CELLS) {
  const out = join(root, outOf(cell));
  if (!existsSync(join(out, 'results.jsonl'))) {
    missing.push(`Frontier, ${cell.title}: not evaluated yet (\`npm run results -- ${cell.id}\`)`);
    continue;
  }
  // Joined runs count once they have results (a join not run yet leaves the frontier as it was).
  const joined = joinsOf(cell).filter((j) => existsSync(join(root, outOf(j), 'results.jsonl')));
  const command = `infogain frontier ${[cell, ...joined].map(outOf).join(' ')} --png --png-prefix ${cell.id}`;
  const { frontier } = await writeFrontier([out, ...joined.map((j) => join(root, outOf(j)))], { out, command, png, pngPrefix: cell.id });
  examples.set(cell.id, frontier.examples.length);
  const table = decisionTable(frontier);
  const partial = frontier.examples.length < cell.n ? ` **Partial: ${frontier.examples.length} of ${cell.n} examples so far.**` : '';
  frontierSections.set(
    cell.id,
    [
      // A level-2 heading: docs/results.md's "### " sections are the task cells, each with a sampler table.
      `## Frontier: ${cell.title} (n = ${frontier.examples.length})`,
      '',
      `${[cell, ...joined].map((run) => `\`${commandOf(run)}\``).join(', ')}, then \`${command}\` — every point, the per-budget tables and tests: ${reportLink(cell)}.${partial}`,
      '',
      ...(png ? [`![${cell.title}: ${frontier.kind} against mean row-forwards, n = ${frontier.examples.length}](${figure(cell, 'row-forwards')})`, '', `![${cell.title}: ${frontier.kind} against wall time, n = ${frontier.examples.length}](${figure(cell, 'wall')})`, ''] : []),
      markdownTable(table),
      '',
      table.note ?? '',
      '',
    ].join('\n'),
  );
}
for (const cell of CELLS) {
  const out = join(root, outOf(cell));
  if (!existsSync(join(out, 'results.jsonl'))) {
    missing.push(`${cell.title}: not evaluated yet (\`npm run results -- ${cell.id}\`)`);
    continue;
  }
  const { report, digits } = await writeTaskReport(out, { baseline: cell.baseline ?? 'confidence' });
  // The run's own n (the largest requested), not this process's default.
  cell.n = report.meta.n;
  examples.set(cell.id, report.examples.length);
  if (cell.overview !== false) overview.push({ cell, report });
  const partial = report.examples.length < cell.n ? ` **Partial: ${report.examples.length} of ${cell.n} examples so far.**` : '';
  sections.set(
    cell.id,
    [
      `### ${cell.title}`,
      '',
      `\`${commandOf(cell)}\` — full report with paired tests, breakdowns and correlations: ${reportLink(cell)}.${partial}`,
      '',
      markdownTable(mainTable(report)),
      '',
      // The digits cell: image quality under its independent judge (report/digits.ts).
      ...(digits ? [markdownTable(digitsTable(digits)), '', digitsTable(digits).note ?? '', ''] : []),
      report.reading,
      '',
    ].join('\n'),
  );
}

// The oracle lab's cells: their tables from lab.json (the analysis `infogain lab` wrote).
const labSections: string[] = [];
for (const cell of LAB_CELLS) {
  const file = join(root, outOf(cell), 'lab.json');
  if (!existsSync(file)) {
    missing.push(`${cell.title}: not run yet (\`npm run results -- ${cell.id}\`)`);
    continue;
  }
  const { analysis } = JSON.parse(readFileSync(file, 'utf8')) as { analysis: LabAnalysis };
  cell.n = analysis.n;
  examples.set(cell.id, analysis.n);
  labSections.push(
    [
      `### ${cell.title}`,
      '',
      `\`${labCommandOf(cell)}\` — full report (every k, every paired test): ${reportLink(cell)}.`,
      '',
      ...labCellTables(analysis).flatMap((t) => [markdownTable(t), '', t.note ?? '', '']),
    ].join('\n'),
  );
}

// The paper-style overview: samplers × task cells, accuracy (text: win rate against greedy
// confidence) with mean cumulative uncertainty and row-forwards per example.
function overviewTable(): string {
  const samplers = [...new Set(overview.flatMap(({ report }) => report.samplers.map((s) => s.sampler)))];
  const head = ['sampler', ...overview.map(({ cell, report }) => `${cell.id} (n ${report.examples.length})`)];
  const rows = samplers.map((name) => [
    name,
    ...overview.map(({ report }) => {
      const s = report.samplers.find((x) => x.sampler === name);
      if (!s) return '–';
      const value = report.kind === 'accuracy' ? `${fmtPct(s.accuracy)}%` : s.sampler === report.baseline ? 'baseline' : `${fmtPct(s.winRate?.winRate ?? null)}% win`;
      return `${value} · CU ${fmtNum(s.cuMean)} · ${fmtNum(s.rowForwards, 0)} rf`;
    }),
  ]);
  const refs = overview.filter(({ report }) => report.reference);
  const refRow = refs.length
    ? [['(every sampler vs the reference)', ...overview.map(({ report }) => {
        const rates = report.samplers.map((s) => s.vsReference?.winRate).filter((x): x is number => x !== undefined);
        return report.reference && rates.length ? `${fmtPct(Math.min(...rates))}–${fmtPct(Math.max(...rates))}% win vs ${report.reference.name}` : '–';
      })]]
    : [];
  return markdownTable({ title: '', head, align: head.map((_, i) => (i === 0 ? 'left' : 'right')), rows: [...rows, ...refRow] });
}

const reading = join(root, 'docs', 'results-reading.md');
const frontierPart = (parts: readonly string[] = [...frontierSections.values()]) =>
  parts.length
    ? [
        '## The compute-matched frontier: which sampler at which compute',
        '',
        "Each family swept over its compute knob on the same examples (`configs/frontier-*.yaml`); accuracy (text: the judge's mean score) against mean row-forwards and wall time per example, 95% paired bootstrap intervals. The tables give, for each budget of k × greedy confidence's row-forwards, the best point of any family within it, the families it cannot be separated from (p ≥ 0.05: McNemar's exact test, or a sign test for scores, on the same examples) and the best Info-Gain-family point against the best best-of-N point (docs/decisions.md D14).",
        '',
        ...parts,
      ]
    : [];
const readingPart = () => (existsSync(reading) ? [readFileSync(reading, 'utf8').trim(), ''] : []);
const doc = [
  '# Results: does Info-Gain beat the greedy samplers on our built-in models?',
  '',
  `Regenerated by \`npm run results -- --write-docs\` (resumable; the command of each cell is given with it, and a larger \`--n\` extends a cell). Every sampler sees the same examples with the same seeds; intervals are 95% paired bootstrap; p-values are McNemar's exact test (accuracy) or a sign test (text) against greedy confidence. Hyper-parameters: the YAML config named in each cell (\`configs/\`).`,
  '',
  'Paper claims for comparison (spec §8): +3.6 points average accuracy on reasoning, cumulative uncertainty 78.4 → 48.6 against the best baseline, 63.1% creative-writing win-rate, Pearson r = −0.70 between cumulative uncertainty and accuracy.',
  '',
  ...(opts.writeDocs ? [] : [
    '> Draft assembled from `out/results/` by `npm run results`; the committed report is docs/results.md. The reading below was written for the committed tables and may quote numbers these tables do not show.',
    '',
  ]),
  ...frontierPart(),
  // The hand-written reading of the numbers (kept in its own file so regeneration never loses it).
  ...readingPart(),
  '## Overview',
  '',
  'Accuracy (text: win rate against greedy confidence under the 5-gram judge) · mean cumulative uncertainty in nats · mean row-forwards per example. Per-cell tables with intervals and tests follow.',
  '',
  ...(overview.length ? [overviewTable(), ''] : []),
  '## Tables',
  '',
  ...sections.values(),
  ...(labSections.length ? ['## The oracle lab: exact log-probability and MAP agreement', '', ...labSections] : []),
  ...(missing.length ? ['', '## Not evaluated', '', ...missing.map((m) => `- ${m}`)] : []),
  '',
].join('\n');
const draft = join(root, 'out', 'results', 'results.md');
mkdirSync(join(root, 'out', 'results'), { recursive: true });
writeFileSync(draft, doc);
// The frontier's part alone, for splicing into a committed report whose other cells this checkout has not run.
writeFileSync(join(root, 'out', 'results', 'frontier-section.md'), [...frontierSections.values()].join('\n'));
console.log(`\nwrote out/results/results.md (${sections.size} cells${missing.length ? `, ${missing.length} missing` : ''})`);

/** The line that opens the list of frontier cells not run yet, after the last frontier section. */
const NOT_RUN_HEAD = 'Frontier cells still to run:';
if (opts.writeFrontierDocs) {
  const docPath = join(root, 'docs', 'results.md');
  const old = readFileSync(docPath, 'utf8');
  // The frontier section (or, before there was one, the reading) up to the overview is replaced.
  const from = old.includes('\n## The compute-matched frontier') ? old.indexOf('\n## The compute-matched frontier') : old.indexOf('\n## Reading');
  const to = old.indexOf('\n## Overview');
  if (from < 0 || to < from) {
    console.error('results: docs/results.md has no "## Reading" … "## Overview" part to replace; regenerate it with --write-docs');
    process.exit(2);
  }
  const ran = FRONTIER_CELLS.filter((c) => examples.has(c.id));
  // Each frontier cell's section: the fresh one where this checkout ran it, else the committed one (kept as it is).
  const kept = new Map(FRONTIER_CELLS.flatMap((c) => {
    const section = examples.has(c.id) ? undefined : sectionStartingWith(old, `## Frontier: ${c.title} (n = `, [NOT_RUN_HEAD]);
    return section === undefined ? [] : [[c.id, section] as const];
  }));
  const parts = FRONTIER_CELLS.flatMap((c) => frontierSections.get(c.id) ?? kept.get(c.id) ?? []);
  if (ran.length === 0) {
    console.error('results: no frontier cell has results; nothing to write');
    process.exit(2);
  }
  mkdirSync(join(root, 'docs', 'results'), { recursive: true });
  for (const cell of ran) {
    copyFileSync(join(root, outOf(cell), 'frontier.md'), join(root, 'docs', 'results', `${cell.id}.md`));
    for (const which of png ? ['row-forwards', 'wall'] : []) copyFileSync(join(root, outOf(cell), `${cell.id}-${which}.png`), join(root, 'docs', 'results', `${cell.id}-${which}.png`));
  }
  const notRun = FRONTIER_CELLS.filter((c) => !examples.has(c.id) && !kept.has(c.id)).map((c) => `- Frontier, ${c.title}: not evaluated yet (\`npm run results -- ${c.id}\`)`);
  const part = [...frontierPart(parts), ...(notRun.length ? [NOT_RUN_HEAD, '', ...notRun, ''] : []), ...readingPart()].join('\n');
  writeFileSync(docPath, `${old.slice(0, from)}\n${part}${old.slice(to)}`);
  console.log(`wrote the frontier part of docs/results.md (${ran.map((c) => c.id).join(', ')}; kept as committed: ${[...kept.keys()].join(', ') || 'none'}) and docs/results/frontier-*`);
}

if (opts.writeDocs) {
  const docPath = join(root, 'docs', 'results.md');
  // What the committed document shows per cell: the `--n N --out out/results/<cell>` of its commands.
  const documented = existsSync(docPath) ? documentedCounts(readFileSync(docPath, 'utf8')) : new Map<string, number>();
  const shortfalls = ALL_CELLS.flatMap((cell) => {
    const have = examples.get(cell.id);
    const want = documented.get(cell.id) ?? 0;
    // A cell the committed report does not show yet (a frontier cell, a new task cell such as
    // sudoku-hard-55-62) is listed as not evaluated, not a loss.
    if (have === undefined) return want === 0 ? [] : [`${cell.id}: no results in ${outOf(cell)}`];
    return have < want ? [`${cell.id}: ${have} examples, docs/results.md has ${want}`] : [];
  });
  if (shortfalls.length && !opts.force) {
    console.error(`results: not writing docs/results.md, it would lose documented results (${shortfalls.join('; ')}); ` +
      `the tables are in out/results/results.md; --force writes anyway`);
    process.exit(2);
  }
  mkdirSync(join(root, 'docs', 'results'), { recursive: true });
  for (const cell of ALL_CELLS)
    if (examples.has(cell.id)) copyFileSync(join(root, outOf(cell), pageOf(cell)), join(root, 'docs', 'results', `${cell.id}.md`));
  for (const cell of FRONTIER_CELLS)
    for (const which of png && examples.has(cell.id) ? ['row-forwards', 'wall'] : [])
      copyFileSync(join(root, outOf(cell), `${cell.id}-${which}.png`), join(root, 'docs', 'results', `${cell.id}-${which}.png`));
  writeFileSync(docPath, doc);
  console.log(`wrote docs/results.md and docs/results/*.md`);
}

if (opts.writeCellDocs) {
  const docPath = join(root, 'docs', 'results.md');
  const ran = CELLS.filter((c) => examples.has(c.id));
  if (ran.length === 0) {
    console.error('results: no task cell has results in out/results; nothing to write');
    process.exit(2);
  }
  let text = readFileSync(docPath, 'utf8');
  const documented = documentedCounts(text);
  const table = overview.length ? overviewTable() : '';
  const refused: string[] = [];
  // The cells docs/results.md does not show yet, which get inserted.
  const added = ran.filter((c) => !text.split('\n').includes(`### ${c.title}`)).map((c) => c.id);
  for (const cell of ran) {
    const have = examples.get(cell.id) ?? 0;
    const want = documented.get(cell.id) ?? 0;
    if (have < want && !opts.force) refused.push(`${cell.id}: ${have} examples, docs/results.md has ${want} (--force writes anyway)`);
    else
      try {
        // Replaced where the document shows the cell, else inserted before the next cell of CELLS it shows.
        const later = CELLS.slice(CELLS.indexOf(cell) + 1);
        text = spliceSection(text, `### ${cell.title}`, sections.get(cell.id) ?? '', later.map((c) => `### ${c.title}`));
        // A cell with overview: false has no overview column.
        if (overview.some((o) => o.cell.id === cell.id)) text = spliceOverviewColumn(text, table, cell.id, later.map((c) => c.id));
        text = dropNotEvaluated(text, cell.id);
      } catch (e) {
        refused.push(`${cell.id}: ${(e as Error).message}; regenerate it with --write-docs`);
      }
  }
  if (refused.length) {
    console.error(`results: not writing docs/results.md (${refused.join('; ')}); the tables are in out/results/results.md`);
    process.exit(2);
  }
  // As --write-docs: the page only (the digits grids in docs/results/ are not generated files).
  mkdirSync(join(root, 'docs', 'results'), { recursive: true });
  for (const cell of ran) copyFileSync(join(root, outOf(cell), pageOf(cell)), join(root, 'docs', 'results', `${cell.id}.md`));
  writeFileSync(docPath, text);
  console.log(`wrote the sections and overview columns of docs/results.md and docs/results/<cell>.md for ${ran.map((c) => c.id).join(', ')}${added.length ? ` (new: ${added.join(', ')})` : ''}`);
}
