// Seed 002 on real platforms: a reader of an RSS or Atom feed filling the Roost feed that writers
// consume (the remixer reads `reader.posts`), so a writer on Mastodon posts what a feed published.
// It reads the account `news`: with `roost account add rss news --instance https://…/feed.xml`
// that is the feed; with no such account it is the sandbox account @news, and what others post
// there is read instead. Either way the code is the same.
import { defineBot } from 'roost/bots';

const FEED = 'reader.posts';

export default defineBot({
  name: 'feedReader',
  account: 'news',
  reads: ['news'],
  async onPost(event, ctx) {
    // Items come at least once (again after a crash); the feed's consumers post through their
    // ledgers, so a repeat costs nothing on the platform.
    await ctx.feeds.publish(FEED, {
      id: event.post.id,
      author: event.post.author,
      text: event.post.text,
      url: event.post.url ?? null,
    });
  },
});
