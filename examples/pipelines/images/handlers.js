// Worker handlers for the image pipeline: `roost worker --handlers examples/pipelines/images/handlers.js`.
// Images are plain-text Netpbm (P3 colour, P2 gray), so the example needs no image library; the
// thumbnail is a PNG (node:zlib), the kind of image platforms take, for the gallery bot to post.
import { deflateSync } from 'node:zlib';

const read = async (ref, ctx) => Buffer.from(await ctx.artifacts.read(ref)).toString('ascii');

/** { magic, width, height, max, values } from a P2 or P3 file (comments dropped). */
function parse(text) {
  const [magic, w, h, max, ...values] = text.replace(/#.*$/gm, '').split(/\s+/).filter(Boolean);
  return { magic, width: Number(w), height: Number(h), max: Number(max), values: values.map(Number) };
}

const gray = (ctx, width, height, values) =>
  ctx.artifacts.put(Buffer.from(`P2\n${width} ${height}\n255\n${values.join(' ')}\n`), {
    type: 'image/x-portable-graymap',
  });

const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => (buf.reduce((c, b) => CRC[(c ^ b) & 0xff] ^ (c >>> 8), 0xffffffff) ^ 0xffffffff) >>> 0;

function chunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

/** An 8-bit grayscale PNG of the values (rows top to bottom, each with filter 0). */
function png(width, height, values) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // grayscale
  const rows = [];
  for (let y = 0; y < height; y++) rows.push(0, ...values.slice(y * width, (y + 1) * width));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.from(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export default [
  {
    kind: 'image.grayscale',
    async run({ inputs }, ctx) {
      const img = parse(await read(inputs.image, ctx));
      if (img.magic !== 'P3') throw new Error(`expected a P3 image, got ${img.magic}`);
      const out = [];
      for (let i = 0; i < img.values.length; i += 3) {
        const [r, g, b] = img.values.slice(i, i + 3);
        out.push(Math.round(((0.299 * r + 0.587 * g + 0.114 * b) * 255) / img.max));
      }
      return { image: await gray(ctx, img.width, img.height, out) };
    },
  },
  {
    kind: 'image.shrink',
    async run({ params, inputs }, ctx) {
      const img = parse(await read(inputs.image, ctx));
      const f = params.factor;
      const w = Math.floor(img.width / f);
      const h = Math.floor(img.height / f);
      const out = [];
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          let sum = 0;
          for (let dy = 0; dy < f; dy++)
            for (let dx = 0; dx < f; dx++) sum += img.values[(y * f + dy) * img.width + x * f + dx];
          out.push(Math.round(sum / (f * f)));
        }
      return { image: await ctx.artifacts.put(png(w, h, out), { type: 'image/png' }) };
    },
  },
  {
    kind: 'image.histogram',
    async run({ params, inputs }, ctx) {
      const img = parse(await read(inputs.image, ctx));
      const bins = new Array(params.bins).fill(0);
      for (const v of img.values) bins[Math.min(params.bins - 1, Math.floor((v * params.bins) / (img.max + 1)))]++;
      return { bins };
    },
  },
];
