/**
 * A beam step's selection: of every beam's children, the `width` best by score (lowest first),
 * distinct canvases only. Ties go to the child of the better-ranked beam, then, between children
 * of one beam, to the higher J and the lower candidate index: Info-Gain's own rule (D7), which
 * the score (committed before − J, rounded) may not separate where J does.
 */
import type { CandidateScore, Commit } from '../samplers/sampler.js';
import type { RowPredictions } from '../models/denoiser.js';
import type { StepKind } from './trace.js';

/** A beam's possible next state. */
export interface Child {
  /** Rank of the beam it comes from. */
  parent: number;
  /** Its index among the parent's scored alternatives (0 for a single action). */
  candidate: number;
  /** Its J (0 for a single action): the tie rule between children of one beam. */
  objective: number;
  /** Committed uncertainty + H_next (D12); a finished beam's is its cumulative uncertainty. */
  score: number;
  kind: StepKind;
  commits: Commit[];
  candidates?: CandidateScore[];
  /** After the commits and the EOS fill. */
  canvas: Int32Array;
  eosFilled: number[];
  /** The predictions its next step decides on; null: a fresh forward. */
  next: RowPredictions | null;
  cumulativeUncertainty: number;
  /** A finished beam (nothing left to decode) standing as its own child. */
  done: boolean;
}

/** NaN ranks below every number (D7). */
const rankScore = (x: number) => (Number.isNaN(x) ? Infinity : x);
const rankObjective = (x: number) => (Number.isNaN(x) ? -Infinity : x);

function better(a: Child, b: Child): number {
  return rankScore(a.score) - rankScore(b.score) || a.parent - b.parent || rankObjective(b.objective) - rankObjective(a.objective) || a.candidate - b.candidate;
}

/** The `width` best children with pairwise distinct canvases, best first. */
export function keepBeams(children: readonly Child[], width: number): Child[] {
  const kept: Child[] = [];
  const seen = new Map<number, Int32Array[]>();
  for (const c of [...children].sort(better)) {
    if (kept.length === width) break;
    const key = canvasHash(c.canvas);
    const same = seen.get(key);
    if (same?.some((x) => sameCanvas(x, c.canvas))) continue;
    if (same) same.push(c.canvas);
    else seen.set(key, [c.canvas]);
    kept.push(c);
  }
  return kept;
}

/** FNV-1a over the token ids: equal canvases hash equal; a collision is settled by comparing them. */
function canvasHash(canvas: Int32Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < canvas.length; i++) h = Math.imul(h ^ canvas[i], 0x01000193);
  return h >>> 0;
}

function sameCanvas(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
