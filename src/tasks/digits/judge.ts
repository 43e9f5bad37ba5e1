/**
 * The digits task's independent judge (Node): the small CNN of models/digits-judge
 * (training/judge.py), trained on the training digits only, run by onnxruntime-node. It gives each
 * image class probabilities (accuracy, confidence) and a 64-dimensional feature vector (the
 * Fréchet distance). The generator never trained against it.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tensor } from 'onnxruntime-common';
import type { OrtRuntime } from '../../models/onnx.js';
import { packageRoot } from '../../node/paths.js';
import { DIGIT_PIXELS, DIGIT_SIZE, intensities, LEVEL_CHARS, LEVELS, type DigitImage } from './image.js';

export interface JudgeCard {
  format: 'infogain-digit-judge';
  version: 1;
  size: number;
  levels: number;
  levelChars: string;
  features: number;
  classes: number;
  heldoutAccuracy: number;
  heldoutN: number;
  /** torch's outputs on the first held-out digits, for the loader's test. */
  reference: { inputs: number; logits: number[][]; features0: number[] };
}

export interface Judgement {
  /** Softmax over the 10 classes. */
  probs: Float32Array;
  features: Float32Array;
}

export const JUDGE_DIR = () => join(packageRoot(), 'models', 'digits-judge');

function checkCard(card: JudgeCard, path: string): void {
  const bad = (field: string, expected: string) =>
    new Error(`${path}: field "${field}" is ${JSON.stringify((card as unknown as Record<string, unknown>)[field])}, expected ${expected}`);
  if (card.format !== 'infogain-digit-judge') throw bad('format', '"infogain-digit-judge"');
  if (card.size !== DIGIT_SIZE) throw bad('size', String(DIGIT_SIZE));
  if (card.levels !== LEVELS || card.levelChars !== LEVEL_CHARS) throw bad('levels', `${LEVELS} (${LEVEL_CHARS})`);
  if (card.classes !== 10) throw bad('classes', '10');
  if (!Number.isInteger(card.features) || card.features < 1) throw bad('features', 'a positive integer');
}

export class DigitJudge {
  private constructor(
    private readonly ort: OrtRuntime,
    private readonly session: Awaited<ReturnType<OrtRuntime['InferenceSession']['create']>>,
    readonly card: JudgeCard,
  ) {}

  static async load(dir: string = JUDGE_DIR(), options: { ort?: OrtRuntime } = {}): Promise<DigitJudge> {
    const onnxPath = join(dir, 'judge.onnx');
    const cardPath = join(dir, 'judge.json');
    for (const p of [onnxPath, cardPath])
      if (!existsSync(p)) throw new Error(`the digits judge is missing: ${p} does not exist (build it with \`npm run data:digits && /usr/bin/python3 training/judge.py\`)`);
    const card = JSON.parse(await readFile(cardPath, 'utf8')) as JudgeCard;
    checkCard(card, cardPath);
    const ort = options.ort ?? ((await import('onnxruntime-node')) as unknown as OrtRuntime);
    // One thread: the judge is small, and the evaluation it scores uses the other cores.
    const session = await ort.InferenceSession.create(await readFile(onnxPath), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    return new DigitJudge(ort, session, card);
  }

  /** Raw logits and features of intensity rows (each DIGIT_PIXELS values in [0, 1]). */
  async run(rows: readonly Float32Array[]): Promise<{ logits: Float32Array[]; features: Float32Array[] }> {
    const logits: Float32Array[] = [];
    const features: Float32Array[] = [];
    const F = this.card.features;
    for (let start = 0; start < rows.length; start += 256) {
      const part = rows.slice(start, start + 256);
      const data = new Float32Array(part.length * DIGIT_PIXELS);
      part.forEach((r, i) => {
        if (r.length !== DIGIT_PIXELS) throw new Error(`digits judge: an image has ${r.length} pixels, expected ${DIGIT_PIXELS}`);
        data.set(r, i * DIGIT_PIXELS);
      });
      const out = await this.session.run({ pixels: new this.ort.Tensor('float32', data, [part.length, DIGIT_PIXELS]) });
      const l = (out.logits as Tensor).data as Float32Array;
      const f = (out.features as Tensor).data as Float32Array;
      for (let i = 0; i < part.length; i++) {
        logits.push(l.slice(i * 10, i * 10 + 10));
        features.push(f.slice(i * F, i * F + F));
      }
    }
    return { logits, features };
  }

  async judge(images: readonly DigitImage[]): Promise<Judgement[]> {
    const { logits, features } = await this.run(images.map(intensities));
    return logits.map((l, i) => ({ probs: softmax(l), features: features[i] }));
  }
}

export function softmax(logits: Float32Array): Float32Array {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  const e = Float32Array.from(logits, (v) => Math.exp(v - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export function argmax(xs: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}

let shared: Promise<DigitJudge> | null = null;
/** The committed judge, loaded once per process. */
export function loadDigitJudge(): Promise<DigitJudge> {
  shared ??= DigitJudge.load().catch((e: unknown) => {
    shared = null;
    throw e;
  });
  return shared;
}
