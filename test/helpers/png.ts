// SPDX-License-Identifier: Apache-2.0
// Just enough of a PNG decoder to look at a browser screenshot without an image library: 8-bit RGB or
// RGBA, not interlaced (what Chromium writes). Anything else is rejected, not guessed at.
import { inflateSync } from 'node:zlib';

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface PngImage {
  readonly width: number;
  readonly height: number;
  /** 3 (RGB) or 4 (RGBA). */
  readonly channels: number;
  /** Unfiltered rows, `width * channels` bytes each, top to bottom. */
  readonly pixels: Buffer;
}

interface Chunk {
  readonly type: string;
  readonly data: Buffer;
}

function chunks(png: Buffer): Chunk[] {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG: bad signature');
  const out: Chunk[] = [];
  for (let at = 8; at + 8 <= png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    out.push({ type, data: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length; // length, type, data, CRC
  }
  return out;
}

/** Width and height from the IHDR chunk. */
export function pngSize(png: Buffer): { width: number; height: number } {
  const ihdr = chunks(png)[0];
  if (ihdr?.type !== 'IHDR') throw new Error('not a PNG: first chunk is not IHDR');
  return { width: ihdr.data.readUInt32BE(0), height: ihdr.data.readUInt32BE(4) };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

function predict(filter: number, a: number, b: number, c: number): number {
  switch (filter) {
    case 0:
      return 0;
    case 1:
      return a;
    case 2:
      return b;
    case 3:
      return (a + b) >> 1;
    case 4:
      return paeth(a, b, c);
    default:
      throw new Error(`bad PNG filter type ${filter}`);
  }
}

/** Undoes one row's filter in place; `previous` is the already unfiltered row above (zeros for the first). */
function unfilter(filter: number, row: Buffer, previous: Buffer, bpp: number): void {
  for (let i = 0; i < row.length; i++) {
    const a = i >= bpp ? row[i - bpp]! : 0;
    const c = i >= bpp ? previous[i - bpp]! : 0;
    row[i] = (row[i]! + predict(filter, a, previous[i]!, c)) & 0xff;
  }
}

export function decodePng(png: Buffer): PngImage {
  const all = chunks(png);
  const { width, height } = pngSize(png);
  const ihdr = all[0]!.data;
  const [bitDepth, colorType, , , interlace] = [ihdr[8], ihdr[9], ihdr[10], ihdr[11], ihdr[12]];
  if (bitDepth !== 8 || (colorType !== 2 && colorType !== 6) || interlace !== 0)
    throw new Error(
      `unsupported PNG: bit depth ${bitDepth}, colour type ${colorType}, interlace ${interlace}`,
    );
  const channels = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(all.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) throw new Error('truncated PNG image data');
  const pixels = Buffer.alloc(stride * height);
  let previous = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const start = y * (stride + 1);
    const row = pixels.subarray(y * stride, (y + 1) * stride);
    raw.copy(row, 0, start + 1, start + 1 + stride);
    unfilter(raw[start]!, row, previous, channels);
    previous = row;
  }
  return { width, height, channels, pixels };
}

/** Pixels within `tolerance` per channel of each `#rrggbb` colour: anti-aliasing leaves line centres exact enough. */
export function countColours(image: PngImage, colours: readonly string[], tolerance: number): number[] {
  const rgb = colours.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));
  const counts = colours.map(() => 0);
  for (let at = 0; at < image.pixels.length; at += image.channels) {
    const [r, g, b] = [image.pixels[at]!, image.pixels[at + 1]!, image.pixels[at + 2]!];
    rgb.forEach(([cr, cg, cb], i) => {
      if (Math.abs(r - cr!) <= tolerance && Math.abs(g - cg!) <= tolerance && Math.abs(b - cb!) <= tolerance)
        counts[i]! += 1;
    });
  }
  return counts;
}

/** The share of pixels darker than near-white (245 on any channel): how much of a page was drawn. */
export function nonWhiteFraction(image: PngImage): number {
  let nonWhite = 0;
  for (let at = 0; at < image.pixels.length; at += image.channels) {
    if (image.pixels[at]! < 245 || image.pixels[at + 1]! < 245 || image.pixels[at + 2]! < 245) nonWhite += 1;
  }
  return nonWhite / (image.width * image.height);
}
