/**
 * The digits task's pure parts: images and their text form, the data file reader, the prompt,
 * the image-set statistics (diversity, Fréchet distance) and the PNG writer.
 */
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.js';
import { parseDigitsCsv, quantizeImage } from '../src/tasks/digits/data.js';
import { DIGIT_PIXELS, greyBytes, imageFromText, imageToText, intensities, parseDigitClass, quantizeGrey, renderShades } from '../src/tasks/digits/image.js';
import { frechetDistance, meanCov, sqrtPsd, symmetricEigen, withinClassDiversity } from '../src/tasks/digits/metrics.js';
import { crc32, digitGridPng, digitsPng, encodeGreyPng } from '../src/tasks/digits/png.js';

const randomImage = (rng: Rng) => Uint8Array.from({ length: DIGIT_PIXELS }, () => rng.nextInt(4));

describe('digit images', () => {
  it('quantizes 8-bit grey to 4 levels by round(g·3/255), halves up, like training/tasks.py', () => {
    expect([0, 42, 43, 127, 128, 212, 213, 255].map(quantizeGrey)).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    // 42.5 is the exact boundary between 0 and 1: g·3/255 = 0.5 only for g = 42.5, so 42 → 0 and 43 → 1
    for (let g = 0; g < 256; g++) expect(quantizeGrey(g)).toBe(Math.floor(g * 3 / 255 + 0.5));
  });

  it('writes an image as 14 rows of .:+# and reads it back', () => {
    const img = randomImage(new Rng(1));
    const text = imageToText(img);
    expect(text.split('\n')).toHaveLength(14);
    expect(text).toMatch(/^[.:+#\n]+$/);
    expect(imageFromText(text, 'x')).toEqual(img);
  });

  it('refuses a malformed image text, naming the source and the problem', () => {
    expect(() => imageFromText('....', 'line 3')).toThrow(/line 3: expected a digit image of 14 rows of 14 characters .*got 1 rows/);
    const bad = imageToText(new Uint8Array(DIGIT_PIXELS)).replace('.', 'x');
    expect(() => imageFromText(bad, 'line 4')).toThrow(/line 4: pixel 0 is "x", expected one of \.:\+#/);
  });

  it('maps levels to intensities and grey bytes', () => {
    const img = Uint8Array.from({ length: DIGIT_PIXELS }, (_, i) => i % 4);
    expect(Array.from(intensities(img).slice(0, 4))).toEqual([0, 1 / 3, 2 / 3, 1].map((x) => Math.fround(x)));
    expect(Array.from(greyBytes(img).slice(0, 4))).toEqual([0, 85, 170, 255]);
  });

  it('renders shades two characters per pixel, masks as ··', () => {
    const levels: (number | null)[] = new Array(DIGIT_PIXELS).fill(0);
    levels[0] = 3;
    levels[1] = null;
    const lines = renderShades(levels).split('\n');
    expect(lines).toHaveLength(14);
    expect(lines[0].startsWith('██··  ')).toBe(true);
    expect(lines.every((l) => [...l].length === 28)).toBe(true);
  });

  it('reads a class prompt 0–9 and refuses anything else with the field, value and expectation', () => {
    expect(parseDigitClass('7')).toBe(7);
    expect(parseDigitClass(' 0 ')).toBe(0);
    for (const bad of ['12', '', 'a', '-1', '7.0'])
      expect(() => parseDigitClass(bad)).toThrow(`--prompt ${JSON.stringify(bad)}: the digits task takes one digit class, a single character 0–9`);
  });
});

describe('digits data file', () => {
  const row = (label: string, hex = '00'.repeat(DIGIT_PIXELS)) => `${label},${hex}`;

  it('reads label,pixels rows', () => {
    const hex = 'ff' + '2a'.repeat(DIGIT_PIXELS - 1);
    const [d] = parseDigitsCsv(`label,pixels\n${row('3', hex)}\n`, 'f.csv');
    expect(d.label).toBe(3);
    expect(d.grey[0]).toBe(255);
    expect(d.grey[1]).toBe(42);
    expect(quantizeImage(d.grey)[0]).toBe(3);
    expect(d.line).toBe(2);
  });

  it('names file, line and field of a malformed row', () => {
    expect(() => parseDigitsCsv('x,y\n', 'f.csv')).toThrow('f.csv:1: expected the header "label,pixels"');
    expect(() => parseDigitsCsv(`label,pixels\n${row('10')}\n`, 'f.csv')).toThrow('f.csv:2: field "label" is "10", expected one digit 0–9');
    expect(() => parseDigitsCsv(`label,pixels\n${row('1')}\n${row('2', 'ab')}\n`, 'f.csv')).toThrow('f.csv:3: field "pixels" must be 392 hex digits (196 grey bytes), got 2 characters');
    expect(() => parseDigitsCsv(`label,pixels\n${row('1')},9\n`, 'f.csv')).toThrow('f.csv:2: expected 2 columns');
  });

  it('the committed held-out set has 1,000 digits, 100 per class', () => {
    const digits = parseDigitsCsv(readFileSync('data/digits/heldout.csv', 'utf8'), 'heldout.csv');
    expect(digits).toHaveLength(1000);
    const counts = new Array(10).fill(0);
    for (const d of digits) counts[d.label]++;
    expect(counts).toEqual(new Array(10).fill(100));
    // real digits: dark background, some ink
    const ink = digits.map((d) => quantizeImage(d.grey).reduce((s, v) => s + (v > 0 ? 1 : 0), 0));
    expect(Math.min(...ink)).toBeGreaterThan(5);
    expect(Math.max(...ink)).toBeLessThan(150);
  });
});

describe('image-set statistics', () => {
  it('diversity is 0 for a collapsed set and the mean within-class distance otherwise', () => {
    const a = [0, 0, 0];
    const b = [3, 4, 0];
    expect(withinClassDiversity([a, a, a], [1, 1, 1])).toBe(0);
    // class 1: one pair at distance 5; class 2: pairs (a,b)=5, (a,a)=0, (b,a)=5 → 10/3
    expect(withinClassDiversity([a, b, a, b, a], [1, 1, 2, 2, 2])).toBeCloseTo((5 + 10 / 3) / 2, 12);
    expect(withinClassDiversity([a, b], [1, 2])).toBeNull();
  });

  it('eigendecomposes a symmetric matrix and takes its PSD square root', () => {
    const m = Float64Array.of(4, 1, 0, 1, 3, 1, 0, 1, 2);
    const { values, vectors } = symmetricEigen(m, 3);
    for (let k = 0; k < 3; k++)
      for (let i = 0; i < 3; i++) {
        const mv = m[i * 3] * vectors[k] + m[i * 3 + 1] * vectors[3 + k] + m[i * 3 + 2] * vectors[6 + k];
        expect(mv).toBeCloseTo(values[k] * vectors[i * 3 + k], 10);
      }
    const s = sqrtPsd(m, 3);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) expect(s[i * 3] * s[j] + s[i * 3 + 1] * s[3 + j] + s[i * 3 + 2] * s[6 + j]).toBeCloseTo(m[i * 3 + j], 10);
  });

  it('the Fréchet distance is 0 for identical sets and (Δμ)² + (σ₁ − σ₂)² in one dimension', () => {
    const rng = new Rng(7);
    const xs = Array.from({ length: 300 }, () => [rng.nextFloat64(), rng.nextFloat64(), rng.nextFloat64()]);
    expect(frechetDistance(xs, xs)).toBeCloseTo(0, 8);
    const a = [[0], [2]]; // mean 1, unbiased variance 2
    const b = [[5], [5], [8], [8]]; // mean 6.5, unbiased variance 3
    expect(frechetDistance(a, b)).toBeCloseTo(5.5 ** 2 + (Math.sqrt(2) - Math.sqrt(3)) ** 2, 10);
    // diagonal covariances in 2-D: the sum over dimensions
    const c = [[0, 0], [2, 0], [0, 4], [2, 4]];
    const d = [[1, 1], [1, 1], [1, 2], [1, 2]];
    const { cov: cc } = meanCov(c);
    const { cov: cd } = meanCov(d);
    const expected = 0 + (2 - 1.5) ** 2 + (Math.sqrt(cc[0]) - Math.sqrt(cd[0])) ** 2 + (Math.sqrt(cc[3]) - Math.sqrt(cd[3])) ** 2;
    expect(frechetDistance(c, d)).toBeCloseTo(expected, 10);
    expect(() => frechetDistance([[1]], b)).toThrow('at least 2 vectors');
  });
});

describe('PNG writer', () => {
  it('computes the CRC-32 of the PNG spec', () => {
    expect(crc32(new TextEncoder().encode('IEND'))).toBe(0xae426082);
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  /** The chunks of a PNG, with their CRCs checked. */
  function chunks(png: Buffer): { type: string; data: Buffer }[] {
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const out: { type: string; data: Buffer }[] = [];
    for (let p = 8; p < png.length; ) {
      const len = png.readUInt32BE(p);
      const type = png.toString('latin1', p + 4, p + 8);
      const data = png.subarray(p + 8, p + 8 + len);
      expect(png.readUInt32BE(p + 8 + len)).toBe(crc32(png.subarray(p + 4, p + 8 + len)));
      out.push({ type, data });
      p += 12 + len;
    }
    return out;
  }

  it('writes a greyscale PNG whose pixels inflate back', () => {
    const grey = Uint8Array.from({ length: 6 }, (_, i) => i * 40);
    const cs = chunks(encodeGreyPng(3, 2, grey));
    expect(cs.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(cs[0].data.readUInt32BE(0)).toBe(3);
    expect(cs[0].data.readUInt32BE(4)).toBe(2);
    expect([...cs[0].data.subarray(8)]).toEqual([8, 0, 0, 0, 0]);
    expect([...inflateSync(cs[1].data)]).toEqual([0, 0, 40, 80, 0, 120, 160, 200]);
    expect(() => encodeGreyPng(3, 3, grey)).toThrow('6 pixels for a 3×3 image');
  });

  it('lays digits out at scale with a dark gap', () => {
    const a = new Uint8Array(DIGIT_PIXELS).fill(3);
    const cs = chunks(digitsPng([a, a], 2));
    const w = cs[0].data.readUInt32BE(0);
    expect(w).toBe(2 * 28 + 2);
    expect(cs[0].data.readUInt32BE(4)).toBe(28);
    const raw = inflateSync(cs[1].data);
    const row0 = [...raw.subarray(1, 1 + w)];
    expect(row0.slice(0, 28).every((v) => v === 255)).toBe(true);
    expect(row0.slice(28, 30)).toEqual([0, 0]);
    const grid = chunks(digitGridPng([[a], [a, a, a]], 1));
    expect(grid[0].data.readUInt32BE(0)).toBe(3 * 14 + 2);
    expect(grid[0].data.readUInt32BE(4)).toBe(2 * 14 + 1);
    expect(() => digitsPng([])).toThrow('no image');
  });
});
