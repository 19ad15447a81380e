// Worker handlers for the image pipeline: `roost worker --handlers examples/pipelines/images/handlers.js`.
// Images are plain-text Netpbm (P3 colour, P2 gray), so the example needs no image library.

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
      return { image: await gray(ctx, w, h, out) };
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
