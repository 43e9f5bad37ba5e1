/**
 * `infogain lab`: the oracle lab (src/eval/lab.ts). Samplers decode prompts drawn from an exact
 * oracle at several tokens per step; every output is scored by its exact log p(filled | given)
 * and against the prompt's MAP completion; paired tests against a baseline. A command of its own
 * (not a `compare` option) because its unit is (sampler, k), it needs the MAP search, and it
 * writes a report directory; docs/decisions.md says more.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { stringifyFinite } from '../../core/finite-json.js';
import { decodeParamsOf } from '../../decode/config.js';
import { resolveEntries } from '../../decode/entry.js';
import { analyseLab, labMarkdown, labTables } from '../../eval/lab-report.js';
import { MASK_LAYOUTS, runLab, stepsFor, type LabSetup, type MaskLayout } from '../../eval/lab.js';
import { markdownTable } from '../../eval/report/markdown.js';
import { loadModel } from '../../models/builtin.js';
import { ChainOracle } from '../../models/oracles/chain.js';
import { SAMPLERS, samplerByName } from '../../samplers/index.js';
import { prepareEntries, unappliedNotes } from '../settings.js';
import { collect, intInRange, MAX_BATCH_SIZE, MAX_EXAMPLES, nonNegativeInt, progressBar, seedOption } from '../common.js';

/** "1,2,4" → [1, 2, 4]; each a positive integer. */
function tokensPerStep(text: string): number[] {
  const ks = text.split(',').map((s) => s.trim());
  for (const k of ks) if (!/^[1-9]\d*$/.test(k)) throw new Error(`--k ${JSON.stringify(text)}: expected positive integers separated by commas, e.g. 1,2,4 ("${k}" is not one)`);
  return ks.map(Number);
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export function registerLab(program: Command): void {
  program
    .command('lab')
    .description('the oracle lab: samplers on prompts from an exact oracle at k tokens per step, scored by exact log p(filled | given) and against the MAP completion, with paired tests')
    .option('--model <ref>', 'an oracle: built-in (hmm-demo, markov-shakespeare) or an oracle JSON file', 'hmm-demo')
    .option('--samplers <list>', 'comma-separated sampler names (variants as name:label); "all" is every registered sampler', 'all')
    .option('--set <key=value>', 'parameter for every sampler that has it, or sampler.key=value for one; repeatable', collect, [])
    .option('--n <n>', 'number of prompts', intInRange('--n', 1, MAX_EXAMPLES), 200)
    .option('--seed <n>', 'seed of prompt 0 (prompt i is drawn and decoded with seed + i)', seedOption('--seed'), 0)
    .option('--length <n>', "canvas length (default: the built-in model's prompt + generation length, else 32)", intInRange('--length', 1, 4096))
    .option('--masks <n>', "masked positions per prompt (default: the built-in model's generation length, else 24)", intInRange('--masks', 1, 4096))
    .option('--layout <name>', `where the masks stand: ${MASK_LAYOUTS.join(' (uniformly chosen positions), ')} (the last positions)`, 'scatter')
    .option('--k <list>', 'tokens per step to run each sampler at (steps = ⌈masks / k⌉), comma-separated', '1,2,4')
    .option('--baseline <sampler>', 'the sampler every other is paired against', 'confidence')
    .option('--max-nodes <n>', 'A* node budget per prompt for the MAP of an HMM', intInRange('--max-nodes', 1, 50_000_000), 1_000_000)
    .option('--bootstrap <n>', 'bootstrap resamples for the intervals', nonNegativeInt('--bootstrap'), 2000)
    .option('--batch-size <n>', `sequences decoded together (1 to ${MAX_BATCH_SIZE})`, intInRange('--batch-size', 1, MAX_BATCH_SIZE), 16)
    .option('--out <dir>', 'write lab.json (every prompt and output) and report.md there')
    .option('--json', 'print the analysis as JSON instead of tables')
    .action(async (opts) => {
      // "all" stands for every registered sampler, also inside a list ("all,best-of-n:lik").
      const names: string[] = (opts.samplers as string).split(',').map((s) => s.trim()).filter(Boolean).flatMap((s) => (s === 'all' ? SAMPLERS.map((x) => x.name) : [s]));
      const repeated = names.find((s, i) => names.indexOf(s) !== i);
      if (repeated !== undefined) throw new Error(`--samplers: ${repeated} is named twice`);
      if (names.length === 0) throw new Error('--samplers: no sampler named');
      if (!names.includes(opts.baseline)) throw new Error(`--baseline ${opts.baseline}: not among --samplers (${names.join(', ')}); the lab pairs every sampler with it`);
      if (!(MASK_LAYOUTS as readonly string[]).includes(opts.layout)) throw new Error(`--layout ${JSON.stringify(opts.layout)}: expected one of ${MASK_LAYOUTS.join(', ')}`);
      const ks = tokensPerStep(opts.k);
      const settings = resolveEntries(names.map(samplerByName), opts.set);
      for (const note of unappliedNotes(settings)) process.stderr.write(`warning: ${note}\n`);
      for (const e of settings.entries)
        if (e.decode.steps !== null) throw new Error(`--set steps: the lab sets the steps from --k (steps = ⌈masks / k⌉); ${e.sampler.name} has steps=${e.decode.steps}`);
      const { model, builtin } = await loadModel(opts.model);
      if (!(model instanceof ChainOracle)) throw new Error(`lab: model ${model.card.name} is not an exact oracle (an HMM or Markov chain); the lab needs exact probabilities`);
      const length: number = opts.length ?? (builtin ? builtin.promptLength + builtin.genLength : 32);
      const setup: LabSetup = {
        n: opts.n,
        seed: opts.seed,
        length,
        masks: opts.masks ?? Math.min(length, builtin?.genLength ?? 24),
        layout: opts.layout as MaskLayout,
        ks,
        maxNodes: opts.maxNodes,
      };
      const entries = await prepareEntries(settings.entries, model.card);
      const total = setup.n * (1 + entries.length * ks.length);
      const bar = progressBar(total, 'lab', { plain: true });
      let run;
      try {
        run = await runLab(model, entries, setup, {
          batchSize: opts.batchSize,
          onProgress: (done, _total, what) => {
            bar?.update(done, { sampler: what });
            // An oracle decodes synchronously: a turn of the event loop lets Ctrl-C through.
            return new Promise<void>((resolve) => setImmediate(resolve));
          },
        });
      } finally {
        bar?.stop();
      }
      const analysis = analyseLab(run, { baseline: opts.baseline, resamples: opts.bootstrap, seed: opts.seed });
      const command = `infogain lab ${process.argv.slice(3).join(' ')}`.trim();
      const description = [
        `command: \`${command}\``,
        `model ${model.card.name}; ${setup.n} prompts of ${setup.length} tokens drawn from its joint (prompt i with seed ${setup.seed} + i), ` +
          `${setup.masks} masked (${setup.layout === 'scatter' ? 'positions chosen uniformly' : 'the last positions'})`,
        `tokens per step k = ${ks.join(', ')} (steps ${ks.map((k) => stepsFor(setup.masks, k)).join(', ')})`,
        ...entries.map((e) => `${e.sampler.name}: ${JSON.stringify(e.params)}; decode ${JSON.stringify({ ...decodeParamsOf(e.decode), steps: 'from k' })}`),
        `MAP: ${analysis.reference.method === 'viterbi' ? 'Viterbi (the emission is a bijection: a completion fixes the hidden path)' : 'A* over the masked positions with an admissible bound (exact; Viterbi is the most probable path, not completion)'}; ` +
          `${analysis.reference.proven} of ${setup.n} proven (node budget ${setup.maxNodes}; median ${analysis.reference.mapNodesMedian} nodes)`,
      ];
      if (opts.out) {
        mkdirSync(opts.out, { recursive: true });
        const meta = { model: model.card.name, setup, baseline: opts.baseline, command, samplers: entries.map((e) => ({ name: e.sampler.name, params: e.params, decode: decodeParamsOf(e.decode) })) };
        writeAtomic(join(opts.out, 'lab.json'), stringifyFinite({ meta, analysis, prompts: run.prompts, lines: run.lines }, 'lab.json') + '\n');
        writeAtomic(join(opts.out, 'report.md'), labMarkdown(analysis, description));
      }
      if (opts.json) {
        console.log(stringifyFinite(analysis, 'lab analysis', 2));
        return;
      }
      for (const t of labTables(analysis)) console.log(`${t.title}\n\n${markdownTable(t)}\n\n${t.note ?? ''}\n`);
      if (opts.out) console.log(`wrote ${join(opts.out, 'lab.json')} and ${join(opts.out, 'report.md')}`);
    });
}
