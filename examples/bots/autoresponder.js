// Answers every sandbox ask sent to @frank. With a chat backend connected (a worker serving
// llm.chat: --gguf, --openai, --exec), a language model answers, remembering each asker's
// conversation (ctx.chat, seed 001). Otherwise (seed 000) it asks for 8 variants of text.markov,
// scores each as it lands, stops the job once 3 are acceptable, and replies with the best one.
// The reply goes through the ledger keyed by the ask, so an ask is never answered twice, crash or not.
import { defineBot } from 'roost/bots';

const VARIANTS = 8;
const ENOUGH = 3;
const SYSTEM = 'You are Frank, a friendly bot on a small social network. Answer in one or two short sentences.';

/** Higher is better: words shared with the question, and a length people read. */
function score(text, question) {
  const words = text.toLowerCase().match(/[a-z']+/g) ?? [];
  const asked = new Set(question.toLowerCase().match(/[a-z']+/g) ?? []);
  const shared = words.filter((w) => asked.has(w)).length;
  const length = words.length >= 8 && words.length <= 40 ? 2 : 0;
  return shared + length + (/[.!?]$/.test(text.trim()) ? 1 : 0);
}

export default defineBot({
  name: 'autoresponder',
  account: 'frank',
  async onAsk(event, ctx) {
    const question = event.post.text;
    if (await ctx.chat.available()) {
      // One conversation per asker, pruned to 2048 tokens oldest turn first; the system prompt stays.
      const reply = await ctx.chat.say(event.post.author, question, {
        system: SYSTEM,
        contextTokens: 2048,
        maxTokens: 120,
      });
      if (reply.text.trim() !== '') {
        await ctx.reply(event.post, reply.text, { key: `ask:${event.post.id}` });
        ctx.log.info('answered an ask', { ask: event.post.id, from: event.post.author, model: reply.model });
        return;
      }
      // A model that says nothing: the Markov chain answers instead.
    }
    let acceptable = 0;
    const job = await ctx.jobs.run(
      'text.markov',
      { prompt: question.split(/\s+/).slice(-2).join(' '), maxWords: 30 },
      {
        variants: VARIANTS,
        onResult(result) {
          if (score(result.output.text, question) >= 2) acceptable++;
          return acceptable >= ENOUGH; // true: the job stops, the variants still queued are cancelled
        },
      },
    );
    const scored = job.results.map((r) => ({ text: r.output.text, score: score(r.output.text, question) }));
    const best = scored.sort((a, b) => b.score - a.score)[0];
    if (!best) throw new Error(`job ${job.jobId} ended ${job.state} with no text; the ask is tried again`);
    await ctx.reply(event.post, best.text, { key: `ask:${event.post.id}` });
    ctx.log.info('answered an ask', {
      ask: event.post.id,
      from: event.post.author,
      variants: job.results.length,
      score: best.score,
    });
  },
});
