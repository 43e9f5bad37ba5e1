/**
 * A beam search's steps (info-gain-beam; the trace's step field `beam`): every kept beam's cells
 * rebuilt from its parent's at each step, so the board can show the beam a step belongs to even
 * when the best beam changes lineage, and a strip listing the kept beams with their scores.
 */
import type { BeamStep, Commit } from '../../src/index.js';
import { el } from './dom.js';

/** A committed cell of one beam: its token (an EOS fill's is read from the shown canvas), entropy and the step that wrote it. */
export interface BeamCell {
  token: number;
  entropy: number;
  step: number;
  filled: boolean;
}

export class BeamTracker {
  /** The cells of each beam kept after the last step, by rank. */
  private beams: Map<number, BeamCell>[] = [new Map()];

  /** Advance by one step (the 1-based `index` shown) and return the cells of the beam at `beam.rank`. */
  advance(beam: BeamStep, index: number): Map<number, BeamCell> {
    this.beams = beam.beams.map((b) => {
      const cells = new Map(this.beams[b.parent] ?? []);
      for (const c of b.commits) cells.set(c.position, { token: c.token, entropy: c.entropy, step: index, filled: false });
      for (const p of b.eosFilled ?? []) cells.set(p, { token: -1, entropy: 0, step: index, filled: true });
      return cells;
    });
    return this.beams[beam.rank] ?? new Map();
  }
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : String(x));

/** The kept beams after a step, best first: where each came from, what it committed, its uncertainty and score. */
export function beamStrip(beam: BeamStep, index: number, action: (commits: Commit[]) => string): HTMLElement {
  const head = el('tr', {}, ...['beam', 'from', 'committed this step', 'cum. uncertainty', 'score'].map((h) => el('th', {}, h)));
  const rows = beam.beams.map((b, rank) =>
    el('tr', { class: rank === beam.rank ? 'winner' : '' },
      el('td', {}, rank === beam.rank ? `▶ ${rank}` : String(rank)),
      el('td', {}, String(b.parent)),
      el('td', { class: 'action' }, b.commits.length ? action(b.commits) : '(finished)'),
      el('td', {}, fmt(b.cumulativeUncertainty)),
      el('td', {}, fmt(b.score))),
  );
  const caption = `step ${index}'s ${beam.beams.length} beams (score = committed uncertainty + H_next, lowest first; ▶ the one shown)`;
  return el('table', { class: 'beams' }, el('caption', {}, caption), el('thead', {}, head), el('tbody', {}, ...rows));
}
