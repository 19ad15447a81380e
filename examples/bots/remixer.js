// The writer of seed 002: consumes the reader's feed with its own cursor and, on its schedule,
// posts one remix of the next post it has not used: the words turned around, tagged with the
// hottest word it holds. Likes on its posts make their words "hot": the score lives in state.
// A feed item is acknowledged only once its remix is posted, so a crash replays it; the ledger,
// keyed by the remix without its tag, makes sure the same remix is never posted twice.
import { createHash } from 'node:crypto';
import { defineBot } from 'roost/bots';

const FEED = 'reader.posts';
/** Posts whose likes are still counted; older ones have had their say. */
const TRACKED_POSTS = 50;
/** Short words (the, and, is) say nothing about what people like. */
const MIN_HOT_LENGTH = 4;

const wordsOf = (text) =>
  text
    .replace(/@[a-z0-9_-]+/gi, ' ')
    .toLowerCase()
    .match(/[a-z0-9']+/g) ?? [];

/** The remix, or null when there is too little to turn around. */
function remix(text, hot) {
  const words = wordsOf(text);
  if (words.length < 2) return null;
  const half = Math.ceil(words.length / 2);
  const tail = words.slice(half).join(' ');
  const base = `${tail[0].toUpperCase()}${tail.slice(1)}, ${words.slice(0, half).join(' ')}.`;
  const tag = words.filter((w) => (hot[w] ?? 0) > 0).sort((a, b) => hot[b] - hot[a])[0];
  return {
    base,
    text: tag ? `${base} #${tag}` : base,
    words: [...new Set(words.filter((w) => w.length >= MIN_HOT_LENGTH))],
  };
}

/**
 * Adds the likes each tracked post gained since the last run to its words' scores. Scores and
 * the posts they count live in one state value, so a crash cannot count a like twice.
 */
async function countLikes(ctx) {
  const hot = (await ctx.state.get('hot')) ?? { words: {}, posts: [] };
  if (hot.posts.length === 0) return hot;
  const likes = await ctx.likesOf(hot.posts.map((p) => p.id));
  let gained = 0;
  for (const p of hot.posts) {
    const more = (likes[p.id] ?? 0) - p.likes;
    if (more <= 0) continue;
    for (const w of p.words) hot.words[w] = (hot.words[w] ?? 0) + more;
    p.likes += more;
    gained += more;
  }
  if (gained > 0) await ctx.state.set('hot', hot);
  return hot;
}

/** Starts counting a post's likes (once, even when a replayed item finds it in the ledger). */
async function track(ctx, hot, post, words) {
  if (hot.posts.some((p) => p.id === post.id)) return;
  hot.posts = [...hot.posts, { id: post.id, words, likes: 0 }].slice(-TRACKED_POSTS);
  await ctx.state.set('hot', hot);
}

export default defineBot({
  name: 'remixer',
  // Every 5 seconds so that `npm start` shows it at once; the seed's writers posted hourly.
  schedule: '*/5 * * * * *',
  async onSchedule(ctx) {
    const hot = await countLikes(ctx);
    for (const { seq, item } of await ctx.feeds.read(FEED, 20)) {
      const r = remix(String(item.text ?? ''), hot.words);
      const key = r && `remix:${createHash('sha256').update(r.base).digest('hex').slice(0, 32)}`;
      const post = r && (await ctx.post(r.text, { key }));
      if (post) await track(ctx, hot, post, r.words);
      await ctx.feeds.ack(FEED, seq);
      // One new post a run; a remix posted before (a replay, or a source saying the same thing
      // again) does not count, and the next item is tried.
      if (post && !post.duplicate) {
        ctx.log.info('posted a remix', { post: post.id, from: item.author });
        return;
      }
    }
  },
});
