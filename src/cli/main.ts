/**
 * The `infogain` command line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import { DECODE_PARAMS, toDecodeConfig } from '../decode/config.js';
import { decodeBatch } from '../decode/run.js';
import { TRACE_FORMAT, TRACE_VERSION, type SequenceTrace, type Trace } from '../decode/trace.js';
import { compareSamplers, conditionalLogProb, oracleInputs } from '../eval/compare.js';
import { BUILTIN_MODELS, DEFAULT_MODEL, loadModel, packageRoot } from '../models/builtin.js';
import type { ModelCard } from '../models/card.js';
import { isModelDir, readCard } from '../models/model-dir.js';
import { OnnxDenoiser } from '../models/onnx.js';
import { encodeText, isOracle } from '../models/oracle.js';
import { describe, type Params } from '../samplers/params.js';
import { SAMPLERS, samplerByName } from '../samplers/index.js';
import { loadTaskFile, TASK_NAMES, taskByName } from '../tasks/index.js';
import { mergeRuns, parseShard, runEvaluation, type RunMeta } from '../eval/harness.js';
import { mainTable, writeReport } from '../eval/report.js';
import { readEvalConfig } from './config-file.js';
import { parseSettings } from './settings.js';
import { outcomeLine, runTaskExample } from './task-view.js';

const collect = (value: string, previous: string[]) => [...previous, value];

function nonNegativeInt(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be an integer ≥ 0, got ${JSON.stringify(value)}`);
    return n;
  };
}

function progressBar(total: number, label: string) {
  if (total <= 1 || !process.stderr.isTTY) return null;
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total} | {sampler} | ETA {eta_formatted}`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { sampler: '' });
  return bar;
}

function displayText(model: { detokenize?: (ids: Int32Array) => string }, ids: number[] | Int32Array): string {
  const arr = Int32Array.from(ids);
  return model.detokenize ? model.detokenize(arr) : Array.from(arr).join(' ');
}

async function writeTrace(path: string, card: ModelCard, sampler: string, samplerParams: Params, decode: Params, sequences: SequenceTrace[]) {
  const trace: Trace = { format: TRACE_FORMAT, version: TRACE_VERSION, model: card.name, maskId: card.maskId, sampler, samplerParams, decode, sequences };
  await writeFile(path, JSON.stringify(trace));
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('infogain')
    .description('Decode masked diffusion language models with the Info-Gain Sampler and its baselines.')
    .exitOverride()
    .enablePositionalOptions()
    // main() prints the one error line itself, so commander's own copy is dropped.
    .configureOutput({ outputError: () => {} });

  program
    .command('generate')
    .description('decode one sequence and print it with a one-line summary')
    .option('--model <ref>', `built-in model name or model file (${BUILTIN_MODELS.map((m) => m.name).join(', ')})`, DEFAULT_MODEL)
    .option('--sampler <name>', `sampler (${SAMPLERS.map((s) => s.name).join(', ')})`, 'info-gain')
    .option('--set <key=value>', 'sampler or decode parameter, repeatable (see `infogain samplers`)', collect, [])
    .option('--prompt <text>', 'prompt text; for oracles `_` marks a position to fill, for tokenizer models the mask token text does (default for oracles: a sampled prompt)')
    .option('--chat <message>', 'a user message, wrapped in the model\'s chat template (tokenizer models)')
    .option('--threads <n>', 'onnxruntime intra-op threads', nonNegativeInt('--threads'))
    .option('--prompt-length <n>', 'length of the sampled prompt when --prompt is absent', nonNegativeInt('--prompt-length'))
    .option('--gen-length <n>', 'masks appended after the prompt', nonNegativeInt('--gen-length'))
    .option('--seed <n>', 'random seed', nonNegativeInt('--seed'), 0)
    .option('--trace <file>', 'write the step-by-step trace (JSON) here')
    .option('--task <name>', `read --prompt in a task's format and grade the output (${TASK_NAMES.join(', ')}); default: the built-in model's task`)
    .action(async (opts) => {
      const spec = samplerByName(opts.sampler);
      const settings = parseSettings(opts.set, [spec]);
      const params = settings.samplers.get(spec.name)!;
      const { model, builtin, tokenizer } = await loadModel(opts.model, { threads: opts.threads });
      const taskName: string | undefined = opts.task ?? builtin?.task;
      if (taskName !== undefined) {
        const task = taskByName(taskName);
        if (!tokenizer) throw new Error(`--task ${taskName} needs a model directory with tokenizer files`);
        const example = opts.prompt !== undefined ? task.fromPrompt(opts.prompt, {}) : task.generate(opts.seed, 1, {})[0];
        const prepared = spec.prepare ? await spec.prepare(params, { vocabSize: model.card.vocabSize }) : params;
        const run = await runTaskExample(task, model, tokenizer, example, spec, prepared, toDecodeConfig(settings.decodeOf.get(spec.name)!), opts.seed);
        console.log(run.view);
        const t = run.trace.totals;
        console.log(
          `${spec.name}: ${outcomeLine(run.outcome)}; ${t.steps} steps, ${t.forwardCalls} forward calls, ${t.rowForwards} row-forwards, ` +
            `cumulative uncertainty ${t.cumulativeUncertainty.toFixed(3)} nats, ${t.wallMs.toFixed(1)} ms`,
        );
        if (opts.trace) await writeTrace(opts.trace, model.card, spec.name, params, settings.decodeOf.get(spec.name)!, [run.trace]);
        return;
      }
      const genLength: number = opts.genLength ?? builtin?.genLength ?? 32;
      if (opts.chat !== undefined && opts.prompt !== undefined) throw new Error('give either --prompt or --chat, not both');
      if (opts.chat !== undefined && !tokenizer) throw new Error(`--chat needs a model directory with tokenizer files; ${opts.model} has none`);
      let prompt: Int32Array;
      if (tokenizer && (opts.chat !== undefined || opts.prompt !== undefined)) {
        const text = opts.chat !== undefined ? tokenizer.applyChatTemplate([{ role: 'user', content: opts.chat }]) : opts.prompt;
        prompt = tokenizer.encode(text);
      } else if (opts.prompt !== undefined) {
        prompt = encodeText(opts.prompt, (model as { alphabet?: string }).alphabet, model.card.vocabSize, model.card.maskId);
      } else if (isOracle(model)) {
        const len: number = opts.promptLength ?? builtin?.promptLength ?? 0;
        prompt = oracleInputs(model, 1, opts.seed, len, 0)[0].canvas;
      } else prompt = new Int32Array(0);
      const canvas = new Int32Array(prompt.length + genLength).fill(model.card.maskId);
      canvas.set(prompt);
      if (!canvas.includes(model.card.maskId)) throw new Error('nothing to decode: the canvas has no masks (use --gen-length or `_` in --prompt)');
      const cfg = toDecodeConfig(settings.decodeOf.get(spec.name)!);
      const prepared = spec.prepare ? await spec.prepare(params, { vocabSize: model.card.vocabSize }) : params;
      const input = { canvas, promptLength: prompt.length, seed: opts.seed };
      const { traces } = await decodeBatch(model, [input], spec, prepared, cfg);
      const t = traces[0];
      if (tokenizer) {
        // The decoded text of the generated region, special tokens (EOS fill) skipped.
        const start = t.region.start;
        console.log(tokenizer.decode(t.output.slice(start)));
      } else {
        const shown = displayText(model as never, t.output);
        const head = displayText(model as never, prompt);
        console.log(opts.prompt === undefined && shown.startsWith(head) ? `${head}|${shown.slice(head.length)}` : shown);
      }
      const logProb = isOracle(model) && !prompt.includes(model.card.maskId) ? conditionalLogProb(model, t, prompt.length) : null;
      console.log(
        `${spec.name}: ${t.steps.reduce((s, r) => s + r.commits.length, 0)} tokens in ${t.totals.steps} steps, ` +
          `${t.totals.forwardCalls} forward calls, ${t.totals.rowForwards} row-forwards, ` +
          `cumulative uncertainty ${t.totals.cumulativeUncertainty.toFixed(3)} nats` +
          (logProb === null ? '' : `, log p ${logProb.toFixed(3)}`) +
          `, ${t.totals.wallMs.toFixed(1)} ms`,
      );
      if (opts.trace) await writeTrace(opts.trace, model.card, spec.name, params, settings.decodeOf.get(spec.name)!, traces);
    });

  program
    .command('compare')
    .description('run several samplers on the same N prompts and print a table')
    .option('--model <ref>', 'built-in model name or model file', DEFAULT_MODEL)
    .option('--samplers <list>', 'comma-separated sampler names, or "all"', 'all')
    .option('--set <key=value>', 'parameter for every sampler that has it, or sampler.key=value for one; repeatable', collect, [])
    .option('--n <n>', 'number of prompts', nonNegativeInt('--n'), 32)
    .option('--seed <n>', 'seed of example 0 (example i uses seed + i)', nonNegativeInt('--seed'), 0)
    .option('--prompt-length <n>', 'prompt tokens sampled from the oracle', nonNegativeInt('--prompt-length'))
    .option('--gen-length <n>', 'masks to decode after each prompt', nonNegativeInt('--gen-length'))
    .option('--batch-size <n>', 'sequences decoded together', nonNegativeInt('--batch-size'), 16)
    .addOption(new Option('--json', 'print one JSON object per sampler instead of a table'))
    .action(async (opts) => {
      const names: string[] = opts.samplers === 'all' ? SAMPLERS.map((s) => s.name) : opts.samplers.split(',').map((s: string) => s.trim()).filter(Boolean);
      if (names.length === 0) throw new Error('--samplers: no sampler named');
      const specs = names.map(samplerByName);
      const settings = parseSettings(opts.set, specs);
      const { model, builtin } = await loadModel(opts.model);
      if (!isOracle(model)) throw new Error(`compare: model ${model.card.name} is not an oracle; prompts come from an oracle's joint`);
      if (opts.n < 1) throw new Error('--n must be at least 1');
      const inputs = oracleInputs(model, opts.n, opts.seed, opts.promptLength ?? builtin?.promptLength ?? 0, opts.genLength ?? builtin?.genLength ?? 32);
      const entries = await Promise.all(
        specs.map(async (spec) => {
          const params = settings.samplers.get(spec.name)!;
          const decode = toDecodeConfig(settings.decodeOf.get(spec.name)!);
          return { spec, params: spec.prepare ? await spec.prepare(params, { vocabSize: model.card.vocabSize }) : params, decode };
        }),
      );
      const bar = progressBar(specs.length * opts.n, 'compare');
      let total = 0;
      const { summaries } = await compareSamplers(model, entries, inputs, {
        batchSize: Math.max(1, opts.batchSize),
        onSequence: (sampler) => bar?.update(++total, { sampler }),
      });
      bar?.stop();
      if (opts.json) {
        for (const s of summaries) console.log(JSON.stringify(s));
        return;
      }
      const table = new Table({
        head: ['sampler', 'log p(gen | prompt)', 'cum. uncertainty', 'forward calls', 'row-forwards', 'ms / seq'],
        colAligns: ['left', 'right', 'right', 'right', 'right', 'right'],
        style: { head: [], border: [] },
      });
      for (const s of summaries)
        table.push([s.sampler, s.logProb?.toFixed(3) ?? '–', s.cumulativeUncertainty.toFixed(3), s.forwardCalls.toFixed(1), s.rowForwards.toFixed(1), s.timeMs.toFixed(2)]);
      console.log(table.toString());
      console.log(`model ${model.card.name}, n = ${opts.n}, seed ${opts.seed}, τ_tok = ${settings.decode.temperature}; means over prompts`);
    });

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
      const taskOptions: Record<string, unknown> = { ...((cfgFile.task_options as Record<string, unknown>) ?? {}) };
      for (const pair of opts.taskOption as string[]) {
        const [k, v] = pair.split('=');
        if (!k || v === undefined) throw new Error(`--task-option ${JSON.stringify(pair)}: expected key=value`);
        taskOptions[k] = /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : /^\[.*\]$/.test(v) ? JSON.parse(v) : v;
      }
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
      const total = Math.ceil(examples.length / (shard?.count ?? 1)) * entries.length;
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

  program
    .command('report')
    .description('statistics, tables and charts of an evaluation directory: report.md and a self-contained report.html')
    .argument('<dir>', 'evaluation directory (meta.json + results.jsonl)')
    .option('--baseline <sampler>', 'sampler the others are tested against (default: confidence if present, else the first)')
    .option('--out <dir>', 'directory for report.md and report.html (default: <dir>)')
    .option('--bootstrap <n>', 'bootstrap resamples for the 95% intervals (0: none)', nonNegativeInt('--bootstrap'), 2000)
    .option('--seed <n>', 'bootstrap seed', nonNegativeInt('--seed'), 0)
    .action((dir: string, opts: { baseline?: string; out?: string; bootstrap: number; seed: number }) => {
      const r = writeReport(dir, opts);
      console.log(r.table);
      console.log(mainTable(r.report).note);
      console.log(`wrote ${r.markdownPath} and ${r.htmlPath}`);
    });

  program
    .command('inspect')
    .description('print a model directory\'s card, graph inputs/outputs and tokenizer')
    .argument('<dir>', 'model directory (model.onnx + model.json [+ tokenizer.json])')
    .action(async (dir: string) => {
      const { model, tokenizer } = await loadModel(dir);
      if (!(model instanceof OnnxDenoiser)) throw new Error(`${dir}: not a model directory`);
      console.log(`model card (${dir}/model.json, presets and tokenizer ids resolved):`);
      console.log(JSON.stringify(model.card, null, 2));
      const meta = (list: typeof model.session.inputMetadata) =>
        list.map((m) => (m.isTensor ? `  ${m.name}: ${m.type} [${m.shape.map((d) => (typeof d === 'string' ? d || '?' : d)).join(', ')}]` : `  ${m.name}: (non-tensor)`));
      console.log('graph inputs:');
      for (const line of meta(model.session.inputMetadata)) console.log(line);
      console.log('graph outputs:');
      for (const line of meta(model.session.outputMetadata)) console.log(line);
      console.log(`statistics head: ${model.io.hasStatsHead ? 'yes (used)' : 'no (logits are reduced in JavaScript)'}`);
      console.log(tokenizer ? `tokenizer: ${tokenizer.summary()}` : 'tokenizer: none (no tokenizer.json)');
    });

  program
    .command('samplers')
    .description('list the samplers and their parameters')
    .action(() => {
      const line = (key: string, spec: Parameters<typeof describe>[0]) => `    ${key} = ${JSON.stringify(spec.default)}  (${describe(spec)}) ${spec.help}`;
      console.log('decode parameters (any sampler):');
      for (const p of DECODE_PARAMS) console.log(line(p.key, p));
      for (const s of SAMPLERS) {
        console.log(`\n${s.name}: ${s.summary}`);
        for (const p of s.params) console.log(line(p.key, p));
      }
    });

  program
    .command('models')
    .description('list the built-in models')
    .action(async () => {
      for (const m of BUILTIN_MODELS) {
        const path = join(packageRoot(), 'models', m.file);
        if (m.kind === 'oracle') {
          console.log(`${m.name}: ${m.description} (oracle; prompt ${m.promptLength}, generate ${m.genLength})`);
          continue;
        }
        if (!isModelDir(path)) {
          console.log(`${m.name}: ${m.description} (task ${m.task}; not built in this checkout: npm run train:${m.task})`);
          continue;
        }
        const card = await readCard(path, null);
        console.log(`${m.name}: ${m.description} (task ${m.task}; vocabulary ${card.vocabSize}, context ${card.contextLimit})`);
        const readme = join(path, 'README.md');
        if (existsSync(readme)) console.log(readFileSync(readme, 'utf8').split('\n').filter((l) => l.trim()).slice(0, 12).map((l) => `    ${l}`).join('\n'));
      }
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    if (e.code?.startsWith('commander.') && !e.exitCode) return 0;
    console.error(`infogain: ${(e.message ?? String(err)).replace(/^error: /, '')}${e.code?.startsWith('commander.') ? ' (see --help)' : ''}`);
    return 2;
  }
}



