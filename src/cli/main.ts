/**
 * The `infogain` command line.
 */
import { writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import { DECODE_PARAMS, toDecodeConfig } from '../decode/config.js';
import { decodeBatch } from '../decode/run.js';
import { TRACE_FORMAT, TRACE_VERSION, type Trace } from '../decode/trace.js';
import { compareSamplers, conditionalLogProb, oracleInputs } from '../eval/compare.js';
import { BUILTIN_MODELS, DEFAULT_MODEL, loadModel } from '../models/builtin.js';
import { OnnxDenoiser } from '../models/onnx.js';
import { encodeText, isOracle } from '../models/oracle.js';
import { describe } from '../samplers/params.js';
import { SAMPLERS, samplerByName } from '../samplers/index.js';
import { parseSettings } from './settings.js';

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

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('infogain')
    .description('Decode masked diffusion language models with the Info-Gain Sampler and its baselines.')
    .exitOverride()
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
    .action(async (opts) => {
      const spec = samplerByName(opts.sampler);
      const settings = parseSettings(opts.set, [spec]);
      const params = settings.samplers.get(spec.name)!;
      const { model, builtin, tokenizer } = await loadModel(opts.model, { threads: opts.threads });
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
      const cfg = toDecodeConfig(settings.decode);
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
      if (opts.trace) {
        const trace: Trace = {
          format: TRACE_FORMAT, version: TRACE_VERSION, model: model.card.name, maskId: model.card.maskId,
          sampler: spec.name, samplerParams: params, decode: settings.decode, sequences: traces,
        };
        await writeFile(opts.trace, JSON.stringify(trace));
      }
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
          return { spec, params: spec.prepare ? await spec.prepare(params, { vocabSize: model.card.vocabSize }) : params };
        }),
      );
      const bar = progressBar(specs.length * opts.n, 'compare');
      let total = 0;
      const { summaries } = await compareSamplers(model, entries, inputs, toDecodeConfig(settings.decode), {
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
    .action(() => {
      for (const m of BUILTIN_MODELS) console.log(`${m.name}: ${m.description} (prompt ${m.promptLength}, generate ${m.genLength})`);
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



