/**
 * A minimal greyscale PNG writer (Node: deflate from node:zlib), written here because no PNG
 * library is installed and the project cannot add dependencies now. PNG spec (ISO/IEC 15948,
 * W3C PNG 2nd ed.): signature, IHDR (8-bit greyscale, colour type 0), one IDAT (zlib stream of the
 * scanlines, each prefixed by filter byte 0), IEND; every chunk is length, type, data, CRC-32
 * (ISO 3309 polynomial 0xEDB88320) over type and data.
 */
import { deflateSync } from 'node:zlib';
import { DIGIT_SIZE, greyBytes, type DigitImage } from './image.js';

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** An 8-bit greyscale PNG of `grey` (row-major, width × height bytes). */
export function encodeGreyPng(width: number, height: number, grey: Uint8Array): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new Error(`PNG: width and height must be positive integers, got ${width}×${height}`);
  if (grey.length !== width * height) throw new Error(`PNG: ${grey.length} pixels for a ${width}×${height} image`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  // compression 0 (deflate), filter method 0, no interlace: bytes 10–12 stay 0
  const raw = Buffer.alloc(height * (width + 1));
  for (let y = 0; y < height; y++) raw.set(grey.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

/** Digit images side by side (a one-row grid), each pixel a scale × scale block. */
export function digitsPng(images: readonly DigitImage[], scale = 8): Buffer {
  return digitGridPng([images], scale);
}

/**
 * Rows of digit images (e.g. one row per class), each pixel a scale × scale block, a one-block
 * dark gap between images and rows; short rows are padded with dark cells.
 */
export function digitGridPng(rows: readonly (readonly DigitImage[])[], scale = 4): Buffer {
  const cols = Math.max(0, ...rows.map((r) => r.length));
  if (rows.length === 0 || cols === 0) throw new Error('PNG: no image to write');
  if (!Number.isInteger(scale) || scale < 1 || scale > 64) throw new Error(`PNG: scale must be an integer in 1..64, got ${scale}`);
  const cell = DIGIT_SIZE * scale;
  const width = cols * cell + (cols - 1) * scale;
  const height = rows.length * cell + (rows.length - 1) * scale;
  const out = new Uint8Array(width * height);
  rows.forEach((row, r) =>
    row.forEach((img, k) => {
      const grey = greyBytes(img);
      const x0 = k * (cell + scale);
      const y0 = r * (cell + scale);
      for (let y = 0; y < cell; y++)
        for (let x = 0; x < cell; x++) out[(y0 + y) * width + x0 + x] = grey[Math.floor(y / scale) * DIGIT_SIZE + Math.floor(x / scale)];
    }),
  );
  return encodeGreyPng(width, height, out);
}
