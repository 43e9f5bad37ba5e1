/** `infogain eval` and `infogain eval merge`: the evaluation harness on the command line. */
import { fileHashes } from '../../node/hash.js';
import { Command } from 'commander';
import { decodeParamsOf } from '../../decode/config.js';
import { resolveEntries } from '../../decode/entry.js';
import { loadModel } from '../../models/builtin.js';
import { SAMPLERS, samplerByName } from '../../samplers/index.js';
import { TASK_NAMES, taskByName } from '../../tasks/index.js';
import { mergeRuns, runEvaluation, type RunMeta } from '../../eval/harness.js';
import { checkWritableDir } from '../../eval/lock.js';
import { readEvalConfig, type EvalConfig } from '../config-file.js';
import { prepareEntries } from '../settings.js';
import { resolveShard } from '../shard.js';
import { parseTaskOptions } from '../task-options.js';
import { dataExamples } from '../data-options.js';
import type { DataRead } from '../../tasks/data.js';
import { checkSeedSpan, collect, intInRange, MAX_BATCH_SIZE, MAX_EXAMPLES, nonNegativeInt, progressBar, seedOption } from '../common.js';

export function registerEval(program: Command): void {
  const evalCmd = program
    .command('eval')
    // Options after `merge` belong to merge (both have --out).
    .enablePositionalOptions()
    .description('evaluate samplers on a task: results.jsonl written as each example finishes; re-running resumes')
    .option('--task <name>', `task (${TASK_NAMES.join(', ')})`)
    .option('--model <ref>', "built-in model name or model directory (model.onnx + model.json); default: the task's built-in model")
    .option('--samplers <list>', 'comma-separated sampler names, or "all"')
    .option('--set <key=value>', 'decode or sampler parameter; sampler.key=value for one sampler; repeatable. Settings of samplers not chosen do not apply: sampler.key of an existing sampler is skipped, and so is a config key that only unchosen samplers have (on the command line such a key is an error)', collect, [])
    .option('--task-option <key=value>', 'task generator option, e.g. blanks=45, count=4, kind=unconditional; repeatable', collect, [])
    .option('--n <n>', `examples (1 to ${MAX_EXAMPLES})`, intInRange('--n', 1, MAX_EXAMPLES))
    .option('--seed <n>', 'seed of example 0 (example i decodes with seed + i; all below 2^32)', seedOption('--seed'))
    .option('--config <file>', 'YAML file with any of these options (command-line flags win)')
    .option('--data <file>', "examples from a file in the task's common format instead of the generator")
    .option('--data-columns <field=column,…>', '--data: the columns holding the task fields, e.g. puzzle=quizzes,solution=solutions; repeatable', collect, [])
    .option('--data-filter <column=value,…>', '--data: keep rows whose column holds one of the values, e.g. level=hard; repeatable (all must match)', collect, [])
    .option('--out <dir>', 'output directory (results.jsonl, meta.json)')
    .option('--shard <i/n>', 'evaluate only examples with index ≡ i (mod n); absent: i from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX when set (docs/deploy.md)')
    .option('--shards <n>', 'the number of shards when the index comes from the environment (default: SLURM_ARRAY_TASK_COUNT)', intInRange('--shards', 1, MAX_EXAMPLES))
    .option('--batch-size <n>', `sequences decoded together (1 to ${MAX_BATCH_SIZE})`, intInRange('--batch-size', 1, MAX_BATCH_SIZE))
    .option('--threads <n>', 'onnxruntime intra-op threads', nonNegativeInt('--threads'))
    .option('--device <name>', 'onnxruntime execution provider (cpu, cuda, …; `infogain inspect` lists this runtime\'s)')
    .action(async (opts) => {
      const cfgFile: EvalConfig = opts.config ? await readEvalConfig(opts.config) : {};
      const pick = <T>(flag: T | undefined, key: keyof EvalConfig, fallback: T): T => flag ?? (cfgFile[key] as T | undefined) ?? fallback;
      const taskName = pick<string | undefined>(opts.task, 'task', undefined);
      if (!taskName) throw new Error('eval: --task is required (or task: in --config)');
      const task = taskByName(taskName);
      const out = pick<string | undefined>(opts.out, 'out', undefined);
      if (!out) throw new Error('eval: --out <dir> is required (or out: in --config)');
      const samplerList = pick<string | string[]>(opts.samplers, 'samplers', 'all');
      const names = Array.isArray(samplerList) ? samplerList : samplerList === 'all' ? SAMPLERS.map((x) => x.name) : samplerList.split(',').map((x) => x.trim()).filter(Boolean);
      if (names.length === 0) throw new Error('eval: --samplers names no sampler');
      const specs = names.map(samplerByName);
      // The config's settings follow the config rule of resolveEntries: those of unchosen samplers are skipped.
      const configPairs = Object.entries(cfgFile.set ?? {}).map(([k, v]) => `${k}=${v}`);
      const settings = resolveEntries(specs, opts.set, configPairs);
      const configOptions = (cfgFile.task_options as Record<string, unknown>) ?? {};
      const taskOptions = parseTaskOptions(task.name, opts.taskOption, configOptions, opts.config);
      // Before the model loads: a bad --shard, or a bad index or count from the scheduler's environment, stops here.
      const { shard, note: shardNote } = resolveShard(opts.shard, opts.shards, process.env);
      if (shardNote) process.stderr.write(`note: ${shardNote}\n`);
      // Before the model loads and anything is decoded: an unusable --out fails now, in one line.
      // Nothing is created yet (runEvaluation creates it), so a refused run leaves no empty folder.
      checkWritableDir(out, 'eval --out');
      const n = pick<number>(opts.n, 'n', 200);
      const seed = pick<number>(opts.seed, 'seed', 0);
      const data = pick<string | null>(opts.data, 'data', null);
      // The model loads first: a data file is checked against its canvas (countdown-64 takes
      // problems the 48-token countdown refuses).
      const modelRef = pick<string>(opts.model, 'model', task.defaultModel);
      const { model, tokenizer, files } = await loadModel(modelRef, { threads: opts.threads, device: opts.device });
      if (!tokenizer) throw new Error(`eval: model ${modelRef} has no tokenizer; task models are model directories`);
      // Read before meta.json is written: a file that yields nothing, or is ambiguous, stops here.
      const fromFile = await dataExamples(
        task,
        data,
        n,
        {
          flags: { columns: opts.dataColumns, filter: opts.dataFilter, taskOptions: opts.taskOption },
          config: { columns: cfgFile.data_columns, filter: cfgFile.data_filter, taskOptions: configOptions, name: opts.config },
        },
        model.card,
      );
      checkSeedSpan(seed, fromFile ? fromFile.examples.length : n);
      const examples = fromFile ? fromFile.examples : task.generate(seed, n, taskOptions);
      const entries = await prepareEntries(settings.entries, model.card);
      const meta: RunMeta & { dataRead?: DataRead } = {
        task: task.name, model: modelRef, n: examples.length, seed, data,
        // The generator's options do not describe a data run; what was read from the file does.
        taskOptions: fromFile ? {} : taskOptions,
        ...(fromFile ? { dataRead: fromFile.read } : {}),
        samplers: entries.map((e) => ({ name: e.sampler.name, params: e.params, decode: decodeParamsOf(e.decode) })),
        // What the results were measured with: a resumed or merged run with other weights is refused.
        modelFiles: await fileHashes(files.root, files.names),
      };
      const references = task.reference ? 1 : 0;
      const total = Math.ceil(examples.length / (shard?.count ?? 1)) * (entries.length + references);
      // Off a terminal (a log, CI), plain progress lines with an ETA instead of the bar.
      const bar = progressBar(total, `eval ${task.name}`, { plain: true });
      const r = await runEvaluation(task, model, { card: model.card, tokenizer }, examples, seed, entries, meta, {
        out, shard, batchSize: pick<number>(opts.batchSize, 'batch_size', 16),
        onLine: (line, done) => bar?.update(done, { sampler: line.sampler }),
        onNote: (note) => process.stderr.write(`note: ${note}\n`),
      });
      bar?.stop();
      console.log(`${out}/results.jsonl: ${r.written} new lines, ${r.skipped} already there`);
    });

  evalCmd
    .command('merge')
    .description('join shard directories into one evaluation')
    .argument('<dirs...>', 'evaluation directories (same task, model, samplers and settings)')
    .requiredOption('--out <dir>', 'merged directory')
    .action((dirs: string[], opts: { out: string }) => {
      const r = mergeRuns(dirs, opts.out);
      for (const note of r.notes) process.stderr.write(`note: ${note}\n`);
      console.log(`${opts.out}/results.jsonl: ${r.lines} lines (${r.duplicates} duplicates dropped)`);
    });
}
