/** `infogain eval` and `infogain eval merge`: the evaluation harness on the command line. */
import { Command } from 'commander';
import { toDecodeConfig } from '../../decode/config.js';
import { loadModel } from '../../models/builtin.js';
import { SAMPLERS, samplerByName } from '../../samplers/index.js';
import { loadTaskFile, TASK_NAMES, taskByName } from '../../tasks/index.js';
import { mergeRuns, parseShard, runEvaluation, type RunMeta } from '../../eval/harness.js';
import { readEvalConfig } from '../config-file.js';
import { parseSettings } from '../settings.js';
import { parseTaskOptions } from '../task-options.js';
import { collect, nonNegativeInt, progressBar } from '../common.js';

export function registerEval(program: Command): void {
  const evalCmd = program
    .command('eval')
    // Options after `merge` belong to merge (both have --out).
    .enablePositionalOptions()
    .description('evaluate samplers on a task: results.jsonl written as each example finishes; re-running resumes')
    .option('--task <name>', `task (${TASK_NAMES.join(', ')})`)
    .option('--model <ref>', "model (default: the task's built-in model)")
    .option('--samplers <list>', 'comma-separated sampler names, or "all"')
    .option('--set <key=value>', 'decode or sampler parameter; sampler.key=value for one sampler; repeatable', collect, [])
    .option('--task-option <key=value>', 'task generator option, e.g. blanks=45, count=4, kind=unconditional; repeatable', collect, [])
    .option('--n <n>', 'examples', nonNegativeInt('--n'))
    .option('--seed <n>', 'seed of example 0 (example i decodes with seed + i)', nonNegativeInt('--seed'))
    .option('--config <file>', 'YAML file with any of these options (command-line flags win)')
    .option('--data <file>', "examples from a file in the task's common format instead of the generator")
    .option('--out <dir>', 'output directory (results.jsonl, meta.json)')
    .option('--shard <i/n>', 'evaluate only examples with index ≡ i (mod n)')
    .option('--batch-size <n>', 'sequences decoded together', nonNegativeInt('--batch-size'))
    .option('--threads <n>', 'onnxruntime intra-op threads', nonNegativeInt('--threads'))
    .action(async (opts) => {
      const cfgFile = opts.config ? await readEvalConfig(opts.config) : {};
      const pick = <T>(flag: T | undefined, key: string, fallback: T): T => flag ?? (cfgFile[key] as T | undefined) ?? fallback;
      const taskName = pick<string | undefined>(opts.task, 'task', undefined);
      if (!taskName) throw new Error('eval: --task is required (or task: in --config)');
      const task = taskByName(taskName);
      const out = pick<string | undefined>(opts.out, 'out', undefined);
      if (!out) throw new Error('eval: --out <dir> is required (or out: in --config)');
      const samplerList = pick<string | string[]>(opts.samplers, 'samplers', 'all');
      const names = Array.isArray(samplerList) ? samplerList : samplerList === 'all' ? SAMPLERS.map((x) => x.name) : samplerList.split(',').map((x) => x.trim()).filter(Boolean);
      const specs = names.map(samplerByName);
      const setPairs = [...Object.entries((cfgFile.set as Record<string, unknown>) ?? {}).map(([k, v]) => `${k}=${v}`), ...opts.set];
      const settings = parseSettings(setPairs, specs);
      const taskOptions = parseTaskOptions(task.name, opts.taskOption, (cfgFile.task_options as Record<string, unknown>) ?? {});
      const modelRef = pick<string>(opts.model, 'model', task.defaultModel);
      const { model, tokenizer } = await loadModel(modelRef, { threads: opts.threads });
      if (!tokenizer) throw new Error(`eval: model ${modelRef} has no tokenizer; task models are model directories`);
      const n = pick<number>(opts.n, 'n', 200);
      const seed = pick<number>(opts.seed, 'seed', 0);
      const data = pick<string | null>(opts.data, 'data', null);
      const examples = data ? (await loadTaskFile(task, data)).slice(0, n) : task.generate(seed, n, taskOptions);
      const entries = await Promise.all(
        specs.map(async (spec) => {
          const params = settings.samplers.get(spec.name)!;
          const decode = settings.decodeOf.get(spec.name)!;
          return {
            spec,
            params: spec.prepare ? await spec.prepare(params, { vocabSize: model.card.vocabSize }) : params,
            raw: params,
            rawDecode: decode,
            decode: toDecodeConfig(decode),
          };
        }),
      );
      const meta: RunMeta = {
        task: task.name, model: modelRef, n: examples.length, seed, data, taskOptions,
        samplers: entries.map((e) => ({ name: e.spec.name, params: e.raw, decode: e.rawDecode })),
      };
      const shard = opts.shard ? parseShard(opts.shard) : undefined;
      const references = task.reference ? 1 : 0;
      const total = Math.ceil(examples.length / (shard?.count ?? 1)) * (entries.length + references);
      const bar = progressBar(total, `eval ${task.name}`);
      const r = await runEvaluation(task, model, { card: model.card, tokenizer }, examples, seed, entries, meta, {
        out, shard, batchSize: pick<number>(opts.batchSize, 'batch_size', 16),
        onLine: (line, done) => bar?.update(done, { sampler: line.sampler }),
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
      console.log(`${opts.out}/results.jsonl: ${r.lines} lines (${r.duplicates} duplicates dropped)`);
    });
}
