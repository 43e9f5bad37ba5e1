/**
 * A digits canvas as the picture it is: 14×14 pixels of four grey levels (training/FORMATS.md,
 * "digits": level 0 background … 3 ink, drawn black to white as in MNIST), masked pixels in blue,
 * redrawn each step; at the end, the judge's verdict beside it. One canvas pixel per image pixel,
 * scaled up by CSS without smoothing, so the test can read the levels back from the canvas itself.
 */
import { el } from './dom.js';
import type { DigitVerdict } from './protocol.js';

const SIZE = 14;
const LEVEL_CHARS = '.:+#';
/** A pixel still masked: blue, a colour no grey level has. */
export const MASKED_RGB = [90, 130, 230] as const;
/** Level → grey byte (0, 85, 170, 255), as `infogain generate --out` writes PNGs. */
export const levelGrey = (level: number): number => Math.round((255 * level) / (LEVEL_CHARS.length - 1));

export class DigitPicture {
  readonly root: HTMLElement;
  private readonly canvas = el('canvas', { class: 'digit-pixels', width: String(SIZE), height: String(SIZE), 'aria-label': 'the digit drawn so far' });
  private readonly image: ImageData;

  /** `read` gives a token's text; a pixel token reads as one of `.:+#`. */
  constructor(initial: Int32Array, private readonly maskId: number, private readonly read: (id: number) => string) {
    this.image = new ImageData(SIZE, SIZE);
    this.root = el('figure', { class: 'digit' }, this.canvas);
    this.draw(initial);
  }

  /** Redraw from a whole canvas (position 0 is the class, 1..196 the pixels). */
  draw(canvas: Int32Array): void {
    const data = this.image.data;
    for (let p = 0; p < SIZE * SIZE; p++) {
      const token = canvas[1 + p];
      // A token that is no grey level is drawn as background, as the judge reads it.
      const grey = levelGrey(Math.max(0, LEVEL_CHARS.indexOf(this.read(token))));
      data.set(token === this.maskId ? [...MASKED_RGB, 255] : [grey, grey, grey, 255], p * 4);
    }
    this.canvas.getContext('2d')!.putImageData(this.image, 0, 0);
  }

  /** The judge's verdict: the class it sees with its probability, against the class asked for. */
  showVerdict(v: DigitVerdict): void {
    const ok = v.predicted === v.requested;
    const caption = el('figcaption', { class: 'judge', 'data-predicted': String(v.predicted), 'data-requested': String(v.requested), 'data-correct': String(ok) },
      `judge sees ${v.predicted} (p ${v.probs[v.predicted].toFixed(3)}), asked for ${v.requested} (p ${v.probs[v.requested].toFixed(3)}): ${ok ? 'correct' : 'wrong'}`);
    this.root.querySelector('figcaption')?.remove();
    this.root.append(caption);
  }
}
