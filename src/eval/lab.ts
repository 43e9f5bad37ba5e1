/**
 * The oracle lab: samplers on an exact oracle, where an output's worth needs no judge. Each prompt
 * is a sequence drawn from the oracle's joint with some positions masked; every sampler decodes
 * it at k = 1, 2, 4, … tokens per step (steps = ⌈masks / k⌉); every output is scored by its exact
 * log p(x_filled | x_given) and compared with the prompt's most probable completion (MAP), found
 * exactly (src/models/oracles/exact.ts). The statistics are lab-report.ts's.
 *
 * Environment-neutral: the CLI (src/cli/commands/lab.ts) writes the files.
 */
import { Rng } from '../core/rng.js';
import { checkSeedSpan } from '../core/seed.js';
import type { DecodeEntry } from '../decode/entry.js';
import { decodeBatch } from '../decode/run.js';
import type { SequenceInput } from '../decode/sequence.js';
import type { ChainOracle } from '../models/oracles/chain.js';
import { completionLogProb, LOG_PROB_TOLERANCE, mapCompletion, viterbiCompletion, type MapResult } from '../models/oracles/exact.js';

export const MASK_LAYOUTS = ['scatter', 'suffix'] as const;
export type MaskLayout = (typeof MASK_LAYOUTS)[number];

export class LabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabError';
  }
}

export interface LabSetup {
  n: number;
  /** Prompt i is drawn with seed + i and decoded with seed + i. */
  seed: number;
  /** Canvas length T. */
  length: number;
  /** Masked positions per prompt. */
  masks: number;
  /** scatter: `masks` positions chosen uniformly; suffix: the last `masks` positions. */
  layout: MaskLayout;
  /** Tokens per step: each sampler decodes with steps = ⌈masks / k⌉ for each k. */
  ks: number[];
  /** A* node budget per prompt (mapCompletion's maxNodes). */
  maxNodes: number;
}

/** One prompt's exact reference points. */
export interface LabPrompt {
  example: number;
  seed: number;
  /** The prompt as text (`_` for a mask). */
  prompt: string;
  map: Omit<MapResult, 'completion'> & { completion: string };
  /** Viterbi's path-wise completion: its exact log p and whether it is a MAP completion (null: MAP unproven). */
  viterbi: { completion: string; logProb: number; isMap: boolean | null };
}

/** One sampler's output on one prompt at one k. */
export interface LabLine {
  example: number;
  sampler: string;
  k: number;
  /** Exact log p(x_filled | x_given). */
  logProb: number;
  /** log p is the MAP's (within LOG_PROB_TOLERANCE, so ties count); null where the MAP is unproven. */
  isMap: boolean | null;
  /** MAP log p − this log p (≥ 0); null where the MAP is unproven. */
  gapToMap: number | null;
  cumulativeUncertainty: number;
  forwardCalls: number;
  rowForwards: number;
  /** Decoding steps taken. */
  steps: number;
  output: string;
}

export interface LabRun {
  prompts: LabPrompt[];
  lines: LabLine[];
}

const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x);

/** Throw a LabError naming the first bad field of `setup`. */
export function checkSetup(setup: LabSetup): void {
  const { n, length, masks, layout, ks, maxNodes } = setup;
  if (!isInt(n) || n < 1) throw new LabError(`n is ${n}, expected an integer ≥ 1`);
  if (!isInt(length) || length < 1) throw new LabError(`length is ${length}, expected an integer ≥ 1 (the canvas length)`);
  if (!isInt(masks) || masks < 1 || masks > length) throw new LabError(`masks is ${masks}, expected an integer in [1, ${length}] (at most the canvas length)`);
  if (!(MASK_LAYOUTS as readonly string[]).includes(layout)) throw new LabError(`layout is ${JSON.stringify(layout)}, expected one of ${MASK_LAYOUTS.join(', ')}`);
  if (ks.length === 0) throw new LabError('ks is empty, expected at least one number of tokens per step');
  for (const k of ks) if (!isInt(k) || k < 1 || k > masks) throw new LabError(`k = ${k}: tokens per step must be an integer in [1, ${masks}] (the masks per prompt)`);
  if (new Set(ks).size !== ks.length) throw new LabError(`ks ${ks.join(',')} repeats a value`);
  if (!isInt(maxNodes) || maxNodes < 1) throw new LabError(`maxNodes is ${maxNodes}, expected an integer ≥ 1`);
  checkSeedSpan(setup.seed, n, 'seed');
}

/** Stream label of a prompt's draws (the sequence, then its masked positions). */
const PROMPT_STREAM = 0x6c616221;

/** The prompts: prompt i drawn from the joint with seed + i, masked by the layout. */
export function labInputs(oracle: ChainOracle, setup: LabSetup): SequenceInput[] {
  checkSetup(setup);
  const { n, seed, length, masks, layout } = setup;
  return Array.from({ length: n }, (_, i) => {
    const rng = new Rng(seed + i).fork(PROMPT_STREAM);
    const canvas = oracle.sample(rng, length);
    if (layout === 'suffix') {
      canvas.fill(oracle.V, length - masks);
      return { canvas, promptLength: length - masks, seed: seed + i };
    }
    // The first `masks` entries of a partial Fisher–Yates shuffle: a uniform subset.
    const order = Array.from({ length }, (_, j) => j);
    for (let j = 0; j < masks; j++) {
      const r = j + rng.nextInt(length - j);
      [order[j], order[r]] = [order[r], order[j]];
      canvas[order[j]] = oracle.V;
    }
    // Masks stand inside the prompt (as in Sudoku): the decode region starts at the first mask.
    return { canvas, promptLength: length, seed: seed + i };
  });
}

export interface LabOptions {
  batchSize?: number;
  signal?: AbortSignal;
  /** After each decoded sequence (and each prompt's MAP), with the count so far and the total. */
  onProgress?: (done: number, total: number, what: string) => void | Promise<void>;
}

/** The steps that give k tokens per step on `masks` masks. */
export const stepsFor = (masks: number, k: number): number => Math.ceil(masks / k);

/** Run every entry at every k on the same prompts; score every output exactly. */
export async function runLab(oracle: ChainOracle, entries: readonly DecodeEntry[], setup: LabSetup, options: LabOptions = {}): Promise<LabRun> {
  const inputs = labInputs(oracle, setup);
  const names = entries.map((e) => e.sampler.name);
  const dup = names.find((s, i) => names.indexOf(s) !== i);
  if (dup !== undefined) throw new LabError(`sampler ${dup} is named twice; name variants apart (e.g. ${dup}:a, ${dup}:b)`);
  const tables = oracle.chainTables();
  const total = inputs.length * (1 + entries.length * setup.ks.length);
  let done = 0;
  const prompts: LabPrompt[] = [];
  for (const [i, input] of inputs.entries()) {
    options.signal?.throwIfAborted();
    const map = mapCompletion(tables, input.canvas, { maxNodes: setup.maxNodes });
    const viterbi = viterbiCompletion(tables, input.canvas);
    prompts.push({
      example: i,
      seed: input.seed,
      prompt: oracle.detokenize(input.canvas),
      map: { ...map, completion: oracle.detokenize(map.completion) },
      viterbi: { completion: oracle.detokenize(viterbi.completion), logProb: viterbi.logProb, isMap: map.proven ? viterbi.logProb >= map.logProb - LOG_PROB_TOLERANCE : null },
    });
    await options.onProgress?.(++done, total, 'MAP');
  }
  const lines: LabLine[] = [];
  for (const entry of entries)
    for (const k of setup.ks) {
      const decode = { ...entry.decode, steps: stepsFor(setup.masks, k) };
      const run = await decodeBatch(oracle, inputs, { ...entry, decode }, {
        batchSize: options.batchSize,
        signal: options.signal,
        onSequence: () => options.onProgress?.(++done, total, `${entry.sampler.name} k=${k}`),
      });
      run.traces.forEach((trace, i) => {
        const output = Int32Array.from(trace.output);
        const logProb = completionLogProb(tables, inputs[i].canvas, output);
        const map = prompts[i].map;
        // An output above the MAP's bound would mean the exact search (or the scoring) is wrong.
        if (logProb > map.upperBound + LOG_PROB_TOLERANCE)
          throw new Error(`lab: ${entry.sampler.name} (k = ${k}) on prompt ${i} decoded log p ${logProb}, above the MAP bound ${map.upperBound}; the exact search is wrong`);
        lines.push({
          example: i,
          sampler: entry.sampler.name,
          k,
          logProb,
          isMap: map.proven ? logProb >= map.logProb - LOG_PROB_TOLERANCE : null,
          gapToMap: map.proven ? Math.max(0, map.logProb - logProb) : null,
          cumulativeUncertainty: trace.totals.cumulativeUncertainty,
          forwardCalls: trace.totals.forwardCalls,
          rowForwards: trace.totals.rowForwards,
          steps: trace.totals.steps,
          output: oracle.detokenize(output),
        });
      });
    }
  return { prompts, lines };
}
