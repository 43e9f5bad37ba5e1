/**
 * The digits task's images, environment-neutral: 14×14 pixels, each one of four grey levels, as
 * the built-in `digits` model writes them (training/FORMATS.md, "digits"). A level is a token of
 * the characters `.:+#` (dark to bright); an image is 196 levels, row-major.
 */
export const DIGIT_SIZE = 14;
export const DIGIT_PIXELS = DIGIT_SIZE * DIGIT_SIZE;
/** The pixel tokens' characters, level 0 (background) to 3 (ink). */
export const LEVEL_CHARS = '.:+#';
export const LEVELS = LEVEL_CHARS.length;

/** Levels 0..LEVELS−1, length DIGIT_PIXELS, row-major. */
export type DigitImage = Uint8Array;

/** 8-bit grey → level: round(g·3/255), halves up (training/tasks.py `quantize_grey`, same arithmetic). */
export function quantizeGrey(grey: number): number {
  return Math.floor((grey * (LEVELS - 1)) / 255 + 0.5);
}

/** A digit class from a command-line prompt: exactly one of 0–9. */
export function parseDigitClass(prompt: string): number {
  const t = prompt.trim();
  if (!/^[0-9]$/.test(t))
    throw new Error(`--prompt ${JSON.stringify(prompt)}: the digits task takes one digit class, a single character 0–9 (e.g. --prompt 7)`);
  return Number(t);
}

/** The image as text: 14 rows of level characters joined by newlines (a result line's answer). */
export function imageToText(img: DigitImage): string {
  const rows: string[] = [];
  for (let r = 0; r < DIGIT_SIZE; r++) rows.push(Array.from(img.subarray(r * DIGIT_SIZE, (r + 1) * DIGIT_SIZE), (v) => LEVEL_CHARS[v]).join(''));
  return rows.join('\n');
}

/** The inverse of `imageToText`; anything else is an error naming `source` and the problem. */
export function imageFromText(text: string, source: string): DigitImage {
  const rows = text.split('\n');
  if (rows.length !== DIGIT_SIZE || rows.some((r) => r.length !== DIGIT_SIZE))
    throw new Error(`${source}: expected a digit image of ${DIGIT_SIZE} rows of ${DIGIT_SIZE} characters ${LEVEL_CHARS}, got ${rows.length} rows of lengths ${rows.map((r) => r.length).join(',')}`);
  const img = new Uint8Array(DIGIT_PIXELS);
  for (let i = 0; i < DIGIT_PIXELS; i++) {
    const ch = rows[Math.floor(i / DIGIT_SIZE)][i % DIGIT_SIZE];
    const level = LEVEL_CHARS.indexOf(ch);
    if (level < 0) throw new Error(`${source}: pixel ${i} is ${JSON.stringify(ch)}, expected one of ${LEVEL_CHARS}`);
    img[i] = level;
  }
  return img;
}

/** Intensities level / 3 in [0, 1], the judge's input. */
export function intensities(img: DigitImage): Float32Array {
  return Float32Array.from(img, (v) => v / (LEVELS - 1));
}

/** Levels as 8-bit grey (0, 85, 170, 255), for PNG output. */
export function greyBytes(img: DigitImage): Uint8Array {
  return Uint8Array.from(img, (v) => Math.round((255 * v) / (LEVELS - 1)));
}

const SHADES = ['  ', '░░', '▒▒', '██'];

/**
 * The image for a terminal: two shade characters per pixel (terminal cells are about twice as
 * tall as wide), one line per row. Masked pixels (`null`) show as `··`.
 */
export function renderShades(levels: ArrayLike<number | null>): string {
  const lines: string[] = [];
  for (let r = 0; r < DIGIT_SIZE; r++) {
    let line = '';
    for (let c = 0; c < DIGIT_SIZE; c++) {
      const v = levels[r * DIGIT_SIZE + c];
      line += v === null ? '··' : SHADES[v];
    }
    lines.push(line);
  }
  return lines.join('\n');
}
