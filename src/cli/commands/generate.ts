/** `infogain generate`: decode one sequence (oracle, model directory or task model). */
import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { decodeParamsOf } from '../../decode/config.js';
import { resolveEntries } from '../../decode/entry.js';
import { decodeBatch } from '../../decode/run.js';
import { conditionalLogProb, oracleInputs } from '../../eval/compare.js';
import { BUILTIN_MODELS, DEFAULT_MODEL, loadModel } from '../../models/builtin.js';
import { encodeText, isOracle } from '../../models/oracle.js';
import { SAMPLERS, samplerByName } from '../../samplers/index.js';
import { TASK_NAMES, taskByName } from '../../tasks/index.js';
import { prepareEntries, refuseUnapplied } from '../settings.js';
import { dim, renderCanvas } from '../render.js';
import { outcomeLine, runTaskExample } from '../task-view.js';
import { checkTracePath, collect, displayText, nonNegativeInt, seedOption, writeTrace } from '../common.js';
import { checkCanvasLength } from '../../decode/limits.js';
import { taskExampleOfPrompt } from '../../api/prompt.js';
import { digitsPng } from '../../tasks/digits/png.js';
import { imageOfOutput } from '../../tasks/digits/task.js';

export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('decode one sequence and print it with a one-line summary')
    .option('--model <ref>', `built-in model (${BUILTIN_MODELS.map((m) => m.name).join(', ')}), a model directory (model.onnx + model.json) or an oracle JSON file`, DEFAULT_MODEL)
    .option('--sampler <name>', `sampler (${SAMPLERS.map((s) => s.name).join(', ')})`, 'info-gain')
    .option('--set <key=value>', 'sampler or decode parameter, repeatable (see `infogain samplers`)', collect, [])
    .option('--prompt <text>', 'prompt text; for oracles `_` marks a position to fill, for tokenizer models the mask token text does (default for oracles: a sampled prompt)')
    .option('--chat <message>', 'a user message, wrapped in the model\'s chat template (tokenizer models)')
    .option('--threads <n>', 'onnxruntime intra-op threads', nonNegativeInt('--threads'))
    .option('--device <name>', 'onnxruntime execution provider (cpu, cuda, …; `infogain inspect` lists this runtime\'s)')
    .option('--prompt-length <n>', 'length of the sampled prompt when --prompt is absent', nonNegativeInt('--prompt-length'))
    .option('--gen-length <n>', 'masks appended after the prompt', nonNegativeInt('--gen-length'))
    .option('--seed <n>', 'random seed, in [0, 2^32)', seedOption('--seed'), 0)
    .option('--trace <file>', 'write the step-by-step trace (JSON) here')
    .option('--out <file.png>', 'digits: also write the generated image as a PNG (8× scale)')
    .option('--task <name>', `read --prompt in a task's format and grade the output (${TASK_NAMES.join(', ')}); default: the built-in model's task`)
    .action(async (opts) => {
      // A trace that cannot be written fails now, not after the decode it would record.
      if (opts.trace) checkTracePath(opts.trace);
      const settings = resolveEntries([samplerByName(opts.sampler)], opts.set);
      refuseUnapplied(settings);
      const resolved = settings.entries;
      const name = resolved[0].sampler.name;
      const { model, builtin, tokenizer, noTokenizer } = await loadModel(opts.model, { threads: opts.threads, device: opts.device });
      const taskName: string | undefined = opts.task ?? builtin?.task;
      if (opts.out !== undefined && taskName !== 'digits') throw new Error(`--out ${opts.out}: writes a PNG of a generated digit; only for the digits task (here: ${taskName ?? 'no task'})`);
      if (opts.out !== undefined) checkPngPath(opts.out);
      if (taskName !== undefined) {
        const task = taskByName(taskName);
        if (!tokenizer) throw new Error(`--task ${taskName} needs a model directory with tokenizer files`);
        if (opts.chat !== undefined) throw new Error(`--chat is for chat models; the ${taskName} task reads its example from --prompt`);
        // The library's own reading of a task prompt and its generation length (src/api/prompt.ts).
        const example = opts.prompt !== undefined ? taskExampleOfPrompt(task, model.card, opts.prompt, opts.genLength, '--gen-length') : task.generate(opts.seed, 1, {})[0];
        const [entry] = await prepareEntries(resolved, model.card);
        const run = await runTaskExample(task, model, tokenizer, example, entry, opts.seed);
        console.log(run.view);
        const t = run.trace.totals;
        console.log(
          `${name}: ${outcomeLine(run.outcome)}; ${t.steps} steps, ${t.forwardCalls} forward calls, ${t.rowForwards} row-forwards, ` +
            `cumulative uncertainty ${t.cumulativeUncertainty.toFixed(3)} nats, ${t.wallMs.toFixed(1)} ms`,
        );
        if (opts.trace) await writeTrace(opts.trace, model.card, name, entry.params, decodeParamsOf(entry.decode), [run.trace]);
        if (opts.out !== undefined) {
          const { image } = imageOfOutput(Int32Array.from(run.trace.output), (id) => tokenizer.tokenText(id));
          await writeFile(opts.out, digitsPng([image]));
          console.log(`wrote ${opts.out}`);
        }
        return;
      }
      const genLength: number = opts.genLength ?? builtin?.genLength ?? 32;
      if (opts.chat !== undefined && opts.prompt !== undefined) throw new Error('give either --prompt or --chat, not both');
      if (opts.chat !== undefined && !tokenizer) throw new Error(`--chat needs a model directory with tokenizer files; ${noTokenizer ?? `${opts.model} has none`}`);
      let prompt: Int32Array;
      if (tokenizer && (opts.chat !== undefined || opts.prompt !== undefined)) {
        const text = opts.chat !== undefined ? tokenizer.applyChatTemplate([{ role: 'user', content: opts.chat }]) : opts.prompt;
        prompt = tokenizer.encode(text);
      } else if (opts.prompt !== undefined) {
        prompt = encodeText(opts.prompt, (model as { alphabet?: string }).alphabet, model.card.vocabSize, model.card.maskId, noTokenizer);
      } else if (isOracle(model)) {
        const len: number = opts.promptLength ?? builtin?.promptLength ?? 0;
        checkCanvasLength(model.card, len, genLength);
        prompt = oracleInputs(model, 1, opts.seed, len, 0)[0].canvas;
      } else prompt = new Int32Array(0);
      // Sized from user input: checked against the model's context before anything is allocated.
      checkCanvasLength(model.card, prompt.length, genLength);
      const canvas = new Int32Array(prompt.length + genLength).fill(model.card.maskId);
      canvas.set(prompt);
      if (!canvas.includes(model.card.maskId)) throw new Error('nothing to decode: the canvas has no masks (use --gen-length or `_` in --prompt)');
      const [entry] = await prepareEntries(resolved, model.card);
      const input = { canvas, promptLength: prompt.length, seed: opts.seed };
      const { traces } = await decodeBatch(model, [input], entry);
      const t = traces[0];
      // The whole canvas, given tokens dimmed on a terminal (render.ts); special tokens (EOS fill, chat markers) skipped.
      const tty = process.stdout.isTTY === true;
      if (tokenizer) {
        console.log(renderCanvas(t.initial, t.output, model.card.maskId, (ids) => tokenizer.decode(ids), tty));
      } else {
        const text = (ids: number[] | Int32Array) => displayText(model as never, ids);
        const shown = text(t.output);
        const head = text(prompt);
        // A prompt sampled from the oracle (no --prompt) is followed by `|`.
        console.log(opts.prompt === undefined && shown.startsWith(head) ? `${dim(head, tty)}|${shown.slice(head.length)}`
          : renderCanvas(t.initial, t.output, model.card.maskId, text, tty, (model as { detokenize?: unknown }).detokenize ? '' : ' '));
      }
      const logProb = isOracle(model) && !prompt.includes(model.card.maskId) ? conditionalLogProb(model, t, prompt.length) : null;
      console.log(
        `${name}: ${t.steps.reduce((s, r) => s + r.commits.length, 0)} tokens in ${t.totals.steps} steps, ` +
          `${t.totals.forwardCalls} forward calls, ${t.totals.rowForwards} row-forwards, ` +
          `cumulative uncertainty ${t.totals.cumulativeUncertainty.toFixed(3)} nats` +
          (logProb === null ? '' : `, log p ${logProb.toFixed(3)}`) +
          `, ${t.totals.wallMs.toFixed(1)} ms`,
      );
      if (opts.trace) await writeTrace(opts.trace, model.card, name, entry.params, decodeParamsOf(entry.decode), traces);
    });
}

/** A PNG that cannot be written fails before the decode: its folder must exist and the path must not be a folder. */
function checkPngPath(path: string): void {
  const folder = dirname(resolve(path));
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new Error(`--out ${path}: the folder ${folder} does not exist; create it first`);
  if (existsSync(path) && statSync(path).isDirectory()) throw new Error(`--out ${path}: is a folder; name a .png file`);
}
