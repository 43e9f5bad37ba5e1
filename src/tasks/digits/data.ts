/**
 * The digits data files, environment-neutral: CSV `label,pixels` as written by
 * scripts/make-digits.ts: the class 0–9, then 196 8-bit grey values as 392 hex digits, row-major.
 * `data/digits/heldout.csv` (1,000 held-out real digits, 100 per class) is committed; the
 * training split is made at build time into training/data/.
 */
import { DIGIT_PIXELS, quantizeGrey, type DigitImage } from './image.js';

export interface RealDigit {
  label: number;
  /** 8-bit grey, row-major. */
  grey: Uint8Array;
  /** 1-based line of the file. */
  line: number;
}

/** Every digit of a `label,pixels` file; a malformed line is an error naming the file, line and field. */
export function parseDigitsCsv(content: string, source: string): RealDigit[] {
  const lines = content.split(/\r?\n/);
  const header = lines[0]?.trim();
  if (header !== 'label,pixels') throw new Error(`${source}:1: expected the header "label,pixels", got ${JSON.stringify(lines[0] ?? '')}`);
  const out: RealDigit[] = [];
  for (let i = 1; i < lines.length; i++) {
    const text = lines[i].trim();
    if (text === '') continue;
    const [label, hex, ...rest] = text.split(',');
    const where = `${source}:${i + 1}`;
    if (rest.length) throw new Error(`${where}: expected 2 columns (label,pixels), got ${rest.length + 2}`);
    if (!/^[0-9]$/.test(label)) throw new Error(`${where}: field "label" is ${JSON.stringify(label)}, expected one digit 0–9`);
    if (hex === undefined || !new RegExp(`^[0-9a-fA-F]{${2 * DIGIT_PIXELS}}$`).test(hex))
      throw new Error(`${where}: field "pixels" must be ${2 * DIGIT_PIXELS} hex digits (${DIGIT_PIXELS} grey bytes), got ${hex === undefined ? 'nothing' : `${hex.length} characters`}`);
    const grey = new Uint8Array(DIGIT_PIXELS);
    for (let p = 0; p < DIGIT_PIXELS; p++) grey[p] = parseInt(hex.slice(2 * p, 2 * p + 2), 16);
    out.push({ label: Number(label), grey, line: i + 1 });
  }
  return out;
}

/** A real digit as the model's 4-level image. */
export function quantizeImage(grey: Uint8Array): DigitImage {
  return Uint8Array.from(grey, quantizeGrey);
}
