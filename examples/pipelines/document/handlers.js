// Worker handlers for the document pipeline: `roost worker --handlers examples/pipelines/document/handlers.js`.
// doc.typeset works as LaTeX does: the table of contents comes from the aux file of the pass before
// (each heading's line), and inserting it moves the headings, so it takes passes until the aux no
// longer changes (the pipeline's cycle runs it to that fixed point).

const text = async (ref, ctx) => Buffer.from(await ctx.artifacts.read(ref)).toString('utf8');

export default [
  {
    kind: 'doc.typeset',
    async run({ params, inputs }, ctx) {
      const body = [await text(inputs.intro, ctx), await text(inputs.method, ctx)].join('\n');
      const toc =
        inputs.aux === null
          ? ['(table of contents: typeset again)']
          : inputs.aux.map((h) => `${'  '.repeat(h.level - 1)}${h.title} .... line ${h.line}`);
      const lines = [params.title, '', 'Contents', ...toc, '', ...body.split('\n')];
      const aux = [];
      lines.forEach((l, i) => {
        const m = /^(#+) (.*)$/.exec(l);
        if (m) aux.push({ level: m[1].length, title: m[2], line: i + 1 });
      });
      const doc = await ctx.artifacts.put(Buffer.from(lines.join('\n')), { type: 'text/plain' });
      return { doc, aux };
    },
  },
  {
    kind: 'doc.wordcount',
    async run({ inputs }, ctx) {
      const words = (await text(inputs.doc, ctx)).split(/\s+/).filter(Boolean).length;
      // countedAt differs every run; the step declares it no change (ignore), so nothing after it re-runs.
      return { stats: { words, countedAt: Date.now() } };
    },
  },
];
