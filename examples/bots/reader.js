// The reader of seed 002: one bot reads the sources, any number of writers consume what it read.
// It hears every sandbox post as it happens, keeps those by the chosen accounts, and publishes
// them to the feed `reader.posts` on its schedule, one batch per run, the way the seed's reader
// made one timeline request an hour. Each consumer of the feed (the remixer, say) reads it with
// its own cursor, so adding a writer costs the platform nothing.
import { defineBot } from 'roost/bots';

const FEED = 'reader.posts';
/** Whose posts to collect; `PUT /v1/bots/reader/state/sources {"value": [...]}` changes it without editing this file. */
const SOURCES = ['poet', 'bard'];

async function collect(event, ctx) {
  const sources = (await ctx.state.get('sources')) ?? SOURCES;
  if (!sources.includes(event.post.author)) return;
  const pending = (await ctx.state.get('pending')) ?? [];
  // Events come at least once (again after a crash): a post already kept is not kept twice.
  if (pending.some((p) => p.id === event.post.id)) return;
  await ctx.state.set('pending', [...pending, { id: event.post.id, author: event.post.author, text: event.post.text }]);
}

export default defineBot({
  name: 'reader',
  // Every 3 seconds so that `npm start` shows it at once; a reader of a real platform would run
  // hourly ('0 * * * *'), as the seed's did, to spare the platform's rate limits.
  schedule: '*/3 * * * * *',
  onPost: collect,
  onMention: collect,
  async onSchedule(ctx) {
    const pending = (await ctx.state.get('pending')) ?? [];
    if (pending.length === 0) return;
    // Published before the batch is cleared: a crash between the two publishes the batch again,
    // which the consumers' ledgers make harmless; clearing first could lose it.
    await ctx.feeds.publish(FEED, ...pending);
    await ctx.state.set('pending', []);
    ctx.log.info('published posts to the feed', { feed: FEED, posts: pending.length });
  },
});
