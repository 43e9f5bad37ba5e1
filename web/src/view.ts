/**
 * One decode's panel: the canvas filling in (each committed cell shows its token, the step that
 * committed it, and its entropy as colour), the current step's Info-Gain candidates with C,
 * H_next and J and the winner, the running cumulative uncertainty and cost, and the ending. A
 * digits canvas is also drawn as the picture it is (pixels.ts), with the judge's verdict.
 */
import type { BeamStep, CandidateScore, Outcome, StepRecord } from '../../src/index.js';
import { BeamTracker, beamStrip } from './beams.js';
import type { TokenReader } from './catalog.js';
import { el, messageOf } from './dom.js';
import { DigitPicture } from './pixels.js';
import type { DigitVerdict } from './protocol.js';
import type { Ending, ShownStep } from './steps.js';

/** How the canvas is laid out: Sudoku's 9×9 board, a digit's class then 14×14 pixels, or a row of tokens. */
export type Layout = 'sudoku' | 'digits' | 'flow';

export interface PanelSetup {
  title: string;
  initial: Int32Array;
  maskId: number;
  /** ln V: the largest entropy a position can have, the colour scale's top. */
  maxEntropy: number;
  read: TokenReader;
  layout: Layout;
}

export { el, messageOf };

/** Entropy → colour: green when the model was sure, through yellow, to red at ln V. */
export function entropyColour(entropy: number, maxEntropy: number): string {
  const x = Math.min(1, Math.max(0, entropy / Math.max(maxEntropy, 1e-9)));
  return `hsl(${Math.round(120 * (1 - Math.sqrt(x)))}, 70%, 82%)`;
}

const fmt = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
const shownToken = (text: string) => (text === '\n' ? '⏎' : text === ' ' ? '\u00a0' : text); // a space shows as an empty cell

export class Panel {
  readonly root: HTMLElement;
  private readonly cells: HTMLElement[] = [];
  private readonly status = el('div', { class: 'status' });
  private readonly stats = el('div', { class: 'stats' });
  private readonly candidates = el('div', { class: 'candidates' });
  /** A beam search's kept beams (info-gain-beam), shown above the candidates. */
  private readonly beamView = el('div', { class: 'beam-strip' });
  private readonly beams = new BeamTracker();
  private readonly result = el('div', { class: 'result' });
  private last: ShownStep | null = null;
  private readonly picture: DigitPicture | null;

  constructor(private readonly setup: PanelSetup, id: string) {
    const grid = el('div', { class: `canvas ${setup.layout}` });
    setup.initial.forEach((token, position) => {
      const given = token !== setup.maskId;
      const cell = el('div', { class: given ? 'cell given' : 'cell masked', title: `position ${position}` }, el('span', { class: 'tok' }, given ? shownToken(setup.read(token)) : '·'), el('span', { class: 'order' }));
      this.cells.push(cell);
      grid.append(cell);
    });
    this.picture = setup.layout === 'digits' ? new DigitPicture(setup.initial, setup.maskId, setup.read) : null;
    const canvas = this.picture ? el('div', { class: 'digit-view' }, grid, this.picture.root) : grid;
    this.root = el('section', { class: 'panel', id, 'data-state': 'running' }, el('h2', {}, setup.title), this.status, canvas, this.stats, this.beamView, this.candidates, this.result);
    this.status.textContent = 'waiting for the first step…';
  }

  show(s: ShownStep): void {
    this.last = s;
    const { step } = s;
    for (const cell of this.cells) cell.classList.remove('now');
    if (step.beam) this.showBeam(s, step.beam);
    for (const p of step.remasked ?? []) this.paint(p, null, s.index);
    for (const c of step.commits) this.paint(c.position, { token: c.token, entropy: c.entropy }, s.index);
    for (const p of step.eosFilled ?? []) this.paint(p, { token: s.canvas[p], entropy: 0 }, s.index, true);
    this.picture?.draw(s.canvas);
    this.status.textContent = `step ${s.index}${s.copy > 0 ? ` (copy ${s.copy})` : ''}: block ${step.block}, ${step.kind}, ${step.commits.length} committed`;
    this.stats.replaceChildren(
      stat('cumulative uncertainty', `${fmt(s.cumulativeUncertainty)} nats`, 'cu'),
      stat('forward calls', String(s.forwardCalls), 'calls'),
      stat('row-forwards', String(s.rowForwards), 'rows'),
      stat('time', `${fmt(s.wallMs, 1)} ms`, 'ms'),
    );
    // A step without candidates (a bypass, the last fill, a sampler that scores none) keeps the last scored step's table.
    if (step.candidates) this.candidates.replaceChildren(this.candidateTable(step, s.index));
    else if (!this.candidates.firstChild) this.candidates.replaceChildren(el('p', { class: 'note' }, `${step.kind} step: no lookahead candidates (Info-Gain and LookUM score candidates)`));
  }

  /**
   * A beam step: the board becomes the step's beam as its lineage wrote it (the best beam may come
   * from another lineage than the last step's), then the step's own commits are painted as now.
   */
  private showBeam(s: ShownStep, beam: BeamStep): void {
    const cells = this.beams.advance(beam, s.index);
    this.setup.initial.forEach((token, p) => {
      if (token !== this.setup.maskId) return;
      const c = cells.get(p);
      this.paint(p, c ? { token: c.filled ? s.canvas[p] : c.token, entropy: c.entropy } : null, c?.step ?? s.index, c?.filled ?? false);
      this.cells[p].classList.remove('now');
    });
    this.beamView.replaceChildren(beamStrip(beam, s.index, (commits) => commits.map((c) => `${this.where(c.position)}=${shownToken(this.setup.read(c.token))}`).join(' ')));
  }

  private paint(position: number, commit: { token: number; entropy: number } | null, index: number, filled = false): void {
    const cell = this.cells[position];
    if (!cell) return;
    const [tok, order] = [cell.querySelector<HTMLElement>('.tok')!, cell.querySelector<HTMLElement>('.order')!];
    if (commit === null) {
      cell.className = 'cell masked now';
      cell.style.background = '';
      tok.textContent = '·';
      order.textContent = '';
      return;
    }
    cell.className = filled ? 'cell filled now' : 'cell committed now';
    cell.style.background = filled ? '' : entropyColour(commit.entropy, this.setup.maxEntropy);
    cell.title = `position ${position}: step ${index}${filled ? ' (EOS fill)' : `, entropy ${fmt(commit.entropy)} nats`}`;
    tok.textContent = shownToken(this.setup.read(commit.token));
    order.textContent = String(index);
  }

  private candidateTable(step: StepRecord, index: number): HTMLElement {
    const head = el('tr', {}, ...['#', 'action', 'C', 'H_next', 'J'].map((h) => el('th', {}, h)));
    const rows = (step.candidates ?? []).map((c: CandidateScore, i) =>
      el('tr', { class: i === step.winner ? 'winner' : '' },
        el('td', {}, i === step.winner ? `★ ${i}` : String(i)),
        el('td', { class: 'action' }, c.positions.map((p, j) => `${this.where(p)}=${shownToken(this.setup.read(c.tokens[j]))}`).join(' ')),
        el('td', {}, fmt(c.cost)), el('td', {}, fmt(c.hNext)), el('td', {}, fmt(c.objective))),
    );
    return el('table', {}, el('caption', {}, `step ${index}'s candidates (J = −C − H_next; LookUM: −H_next), winner ★ ${step.winner ?? '—'}`), el('thead', {}, head), el('tbody', {}, ...rows));
  }

  private where(position: number): string {
    if (this.setup.layout === 'sudoku') return `r${Math.floor(position / 9) + 1}c${(position % 9) + 1}`;
    if (this.setup.layout === 'digits' && position > 0) return `r${Math.floor((position - 1) / 14) + 1}c${((position - 1) % 14) + 1}`;
    return `@${position}`;
  }

  finish(ending: Ending, outcome: Outcome | null, digit: DigitVerdict | null = null): void {
    this.root.dataset.state = ending.kind;
    if (ending.kind === 'done') {
      const totals = ending.trace.sequences[0]?.totals;
      this.status.textContent = `done after ${this.last?.index ?? 0} steps`;
      const verdict = outcome === null ? '' : outcome.correct === null ? `score ${fmt(outcome.score ?? NaN)}` : outcome.correct ? 'correct' : `wrong${outcome.reason ? `: ${outcome.reason}` : ''}`;
      this.result.replaceChildren(
        el('div', { class: 'verdict', 'data-correct': String(outcome?.correct ?? '') }, verdict ? `${verdict} · ` : '', `cumulative uncertainty ${fmt(totals?.cumulativeUncertainty ?? NaN)} nats · ${totals?.forwardCalls ?? 0} forward calls · ${totals?.rowForwards ?? 0} row-forwards · ${fmt(totals?.wallMs ?? NaN, 0)} ms`),
        // A digit's text is its 196 level characters: the picture shows them.
        ...(ending.text !== null && !digit ? [el('pre', { class: 'output' }, ending.text)] : []),
      );
      if (digit) this.picture?.showVerdict(digit);
    } else if (ending.kind === 'aborted') {
      this.status.textContent = `${ending.reason} (after ${this.last?.index ?? 0} steps shown)`;
    } else {
      this.status.textContent = 'failed';
      this.result.replaceChildren(el('p', { class: 'error' }, messageOf(ending.error)));
    }
  }
}

function stat(label: string, value: string, key: string): HTMLElement {
  return el('span', { class: 'stat', 'data-stat': key }, el('b', {}, value), ` ${label}`);
}
