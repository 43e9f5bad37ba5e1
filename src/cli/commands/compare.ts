/**
 * `infogain compare`: several samplers on the same N inputs, one table: prompts sampled from an
 * oracle (exact log p), or examples of a task model's task (accuracy or judge score).
 */
import { Command, Option } from 'commander';
import Table from 'cli-table3';
import { resolveEntries, type ResolvedEntries } from '../../decode/entry.js';
import { compareOnTask, compareSamplers, oracleInputs, type CompareOptions, type SamplerSummary, type TaskSamplerSummary } from '../../eval/compare.js';
import { DEFAULT_MODEL, loadModel } from '../../models/builtin.js';
import { isOracle } from '../../models/oracle.js';
import { SAMPLERS, samplerByName } from '../../samplers/index.js';
import { TASK_NAMES, taskByName } from '../../tasks/index.js';
import { prepareEntries, unappliedNotes } from '../settings.js';
import { parseTaskOptions } from '../task-options.js';
import { dataExamples } from '../data-options.js';
import { collect, CommandExit, intInRange, MAX_BATCH_SIZE, MAX_EXAMPLES, nonNegativeInt, progressBar, seedOption } from '../common.js';

const TABLE_STYLE = { head: [], border: [] };

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description("run several samplers on the same N inputs (an oracle's sampled prompts, or a task's examples) and print a table")
    .option('--model <ref>', 'built-in model name, a model directory (model.onnx + model.json) or an oracle JSON file', DEFAULT_MODEL)
    .option('--samplers <list>', 'comma-separated sampler names, or "all"', 'all')
    .option('--set <key=value>', 'parameter for every sampler that has it, or sampler.key=value for one (skipped with a warning when that sampler is not chosen); repeatable', collect, [])
    .option('--n <n>', 'number of prompts or task examples (default 32; with --data, every example of the file)', intInRange('--n', 1, MAX_EXAMPLES))
    .option('--seed <n>', 'seed of example 0 (example i uses seed + i; all below 2^32)', seedOption('--seed'), 0)
    .option('--task <name>', `take examples from a task's generator and grade the outputs (${TASK_NAMES.join(', ')}); default: the built-in model's task`)
    .option('--task-option <key=value>', 'task generator option, e.g. blanks=45, count=4, kind=unconditional; repeatable', collect, [])
    .option('--data <file>', "task examples from a file in the task's common format instead of the generator")
    .option('--data-columns <field=column,…>', '--data: the columns holding the task fields, e.g. puzzle=quizzes,solution=solutions; repeatable', collect, [])
    .option('--data-filter <column=value,…>', '--data: keep rows whose column holds one of the values, e.g. level=hard; repeatable (all must match)', collect, [])
    .option('--prompt-length <n>', 'prompt tokens sampled from the oracle (oracle models)', nonNegativeInt('--prompt-length'))
    .option('--gen-length <n>', 'masks to decode after each prompt (oracle models)', nonNegativeInt('--gen-length'))
    .option('--batch-size <n>', `sequences decoded together (1 to ${MAX_BATCH_SIZE})`, intInRange('--batch-size', 1, MAX_BATCH_SIZE), 16)
    .option('--threads <n>', 'onnxruntime intra-op threads', nonNegativeInt('--threads'))
    .option('--device <name>', 'onnxruntime execution provider (cpu, cuda, …; `infogain inspect` lists this runtime\'s)')
    .addOption(new Option('--json', 'print one JSON object per sampler instead of a table'))
    .action(async (opts) => {
      const names: string[] = opts.samplers === 'all' ? SAMPLERS.map((s) => s.name) : opts.samplers.split(',').map((s: string) => s.trim()).filter(Boolean);
      if (names.length === 0) throw new Error('--samplers: no sampler named');
      const specs = names.map(samplerByName);
      const settings = resolveEntries(specs, opts.set);
      for (const note of unappliedNotes(settings)) process.stderr.write(`warning: ${note}\n`);
      const dataFlags = { columns: opts.dataColumns as string[], filter: opts.dataFilter as string[], taskOptions: opts.taskOption as string[] };
      const taskName: string | undefined = opts.task;
      const task = taskName !== undefined ? taskByName(taskName) : undefined;
      const { model, builtin, tokenizer } = await loadModel(opts.model, { threads: opts.threads, device: opts.device });
      const batchSize = Math.max(1, opts.batchSize);

      const modelTask = task ?? (builtin?.task !== undefined ? taskByName(builtin.task) : undefined);
      if (modelTask) {
        if (!tokenizer) throw new Error(`compare --task ${modelTask.name}: model ${model.card.name} has no tokenizer; task models are model directories`);
        for (const flag of ['promptLength', 'genLength'] as const)
          if (opts[flag] !== undefined)
            throw new Error(`compare: --${flag === 'promptLength' ? 'prompt' : 'gen'}-length is for oracle models; the ${modelTask.name} task sets the canvas`);
        const taskOptions = parseTaskOptions(modelTask.name, opts.taskOption);
        const fromFile = await dataExamples(modelTask, opts.data ?? null, opts.n ?? Infinity, { flags: dataFlags, config: {} }, model.card);
        const examples = fromFile ? fromFile.examples : modelTask.generate(opts.seed, opts.n ?? 32, taskOptions);
        const entries = await prepareEntries(settings.entries, model.card);
        // A data run is described by its file, never by generator options that did not apply.
        const shownOptions = Object.entries(taskOptions).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
        const source = fromFile ? `data ${opts.data}` : shownOptions;
        const print = (summaries: readonly TaskSamplerSummary[]) => {
          if (opts.json) {
            for (const s of summaries) console.log(JSON.stringify(s));
            return;
          }
          const judged = summaries.every((s) => s.accuracy === null);
          const table = new Table({
            head: ['sampler', judged ? 'judge score' : 'accuracy', 'cum. uncertainty', 'forward calls', 'row-forwards', 'ms / seq'],
            colAligns: ['left', 'right', 'right', 'right', 'right', 'right'],
            style: TABLE_STYLE,
          });
          for (const s of summaries)
            table.push([
              s.sampler,
              judged ? (s.score?.toFixed(3) ?? '–') : s.accuracy === null ? '–' : `${(100 * s.accuracy).toFixed(1)}%`,
              s.cumulativeUncertainty.toFixed(3),
              s.forwardCalls.toFixed(1),
              s.rowForwards.toFixed(1),
              s.timeMs.toFixed(2),
            ]);
          console.log(table.toString());
          console.log(
            `model ${model.card.name}, task ${modelTask.name}${source ? ` (${source})` : ''}, n = ${examples.length}, seed ${opts.seed}, ${temperatureNote(settings)}; ` +
              (judged ? 'judge score: mean nats per character; ' : '') +
              'means over examples',
          );
        };
        await runInterruptibly(entries.map((e) => e.sampler.name), examples.length, batchSize, print, (options) =>
          compareOnTask(modelTask, model, { card: model.card, tokenizer }, examples, opts.seed, entries, options),
        );
        return;
      }

      for (const [flag, given] of [['--task-option', opts.taskOption.length > 0], ['--data', opts.data !== undefined], ['--data-columns', opts.dataColumns.length > 0], ['--data-filter', opts.dataFilter.length > 0]] as const)
        if (given) throw new Error(`compare: ${flag} needs a task (--task, or a built-in task model); ${opts.model} has none`);
      const n = opts.n ?? 32;
      if (!isOracle(model)) throw new Error(`compare: model ${model.card.name} is not an oracle and has no task; give --task (${TASK_NAMES.join(', ')})`);
      const inputs = oracleInputs(model, n, opts.seed, opts.promptLength ?? builtin?.promptLength ?? 0, opts.genLength ?? builtin?.genLength ?? 32);
      const entries = await prepareEntries(settings.entries, model.card);
      const print = (summaries: readonly SamplerSummary[]) => {
        if (opts.json) {
          for (const s of summaries) console.log(JSON.stringify(s));
          return;
        }
        const table = new Table({
          head: ['sampler', 'log p(gen | prompt)', 'cum. uncertainty', 'forward calls', 'row-forwards', 'ms / seq'],
          colAligns: ['left', 'right', 'right', 'right', 'right', 'right'],
          style: TABLE_STYLE,
        });
        for (const s of summaries)
          table.push([s.sampler, s.logProb?.toFixed(3) ?? '–', s.cumulativeUncertainty.toFixed(3), s.forwardCalls.toFixed(1), s.rowForwards.toFixed(1), s.timeMs.toFixed(2)]);
        console.log(table.toString());
        console.log(`model ${model.card.name}, n = ${n}, seed ${opts.seed}, ${temperatureNote(settings)}; means over prompts`);
      };
      await runInterruptibly(entries.map((e) => e.sampler.name), n, batchSize, print, (options) => compareSamplers(model, entries, inputs, options));
    });
}

/**
 * Run a comparison with its progress and with Ctrl-C handled: the progress bar stops (the
 * cursor and line wrap it changed come back), the samplers that finished are printed as usual,
 * and the command ends with status 130 naming those that did not. A second Ctrl-C ends it at once.
 */
async function runInterruptibly<S>(
  samplers: readonly string[],
  inputs: number,
  batchSize: number,
  print: (finished: readonly S[]) => void,
  run: (options: CompareOptions<S>) => Promise<unknown>,
): Promise<void> {
  // Started once the inputs are known to be good, so an error line is not mixed with a bar. Off a
  // terminal (a pipe, a log, CI), plain progress lines with an ETA: a minutes-long run is never silent.
  const bar = progressBar(samplers.length * inputs, 'compare', { plain: true });
  const finished: S[] = [];
  const interrupt = new AbortController();
  const onInterrupt = () => {
    if (!interrupt.signal.aborted) return interrupt.abort();
    bar?.stop();
    process.exit(130);
  };
  process.on('SIGINT', onInterrupt);
  let done = 0;
  try {
    await run({
      batchSize,
      signal: interrupt.signal,
      onSummary: (summary) => finished.push(summary),
      // A turn of the event loop after each sequence: an oracle decodes synchronously, and Ctrl-C
      // is only seen between turns.
      onSequence: (sampler) => {
        bar?.update(++done, { sampler });
        return new Promise<void>((resolve) => setImmediate(resolve));
      },
    });
  } catch (e) {
    if (!interrupt.signal.aborted) throw e;
  } finally {
    process.off('SIGINT', onInterrupt);
    bar?.stop();
  }
  if (finished.length > 0) print(finished);
  if (finished.length === samplers.length) return;
  const missing = samplers.slice(finished.length).join(', ');
  throw new CommandExit(
    finished.length === 0
      ? `interrupted (Ctrl-C) before any sampler finished (${missing})`
      : `interrupted (Ctrl-C): ${finished.length} of ${samplers.length} samplers finished, shown above; not finished: ${missing}`,
    130,
  );
}

/** The footer's τ_tok: the shared value, and each sampler whose own setting differs from it (e.g. best-of-n's). */
function temperatureNote({ decode, entries }: ResolvedEntries): string {
  const own = entries.filter((e) => e.decode.temperature !== decode.temperature).map((e) => `${e.sampler.name} ${e.decode.temperature}`);
  return `τ_tok = ${decode.temperature}${own.length ? ` (${own.join(', ')})` : ''}`;
}
