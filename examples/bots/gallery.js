// The last step of the image pipeline (examples/pipelines/images): each run that makes a new
// thumbnail publishes it to the feed `gallery` (the pipeline's `publish`), and this bot posts it
// as @gallery with the image attached (an artifact of the hub, read when the post goes out). The
// ledger is keyed by the image's hash, so the same thumbnail is never posted twice; a feed item is
// acknowledged only once its post is made, so a crash replays it.
import { defineBot } from 'roost/bots';

const FEED = 'gallery';

export default defineBot({
  name: 'gallery',
  account: 'gallery',
  schedule: '*/5 * * * * *',
  async onSchedule(ctx) {
    for (const { seq, item } of await ctx.feeds.read(FEED, 10)) {
      for (const [output, image] of Object.entries(item.outputs ?? {})) {
        if (!image?.$artifact) continue;
        await ctx.post(
          {
            text: `${item.pipeline}: a new ${output.split('.')[0]}`,
            images: [{ artifact: image.$artifact, alt: output }],
          },
          { key: `gallery:${image.$artifact}` },
        );
      }
      await ctx.feeds.ack(FEED, seq);
    }
  },
});
