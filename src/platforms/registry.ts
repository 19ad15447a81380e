/**
 * Every platform Roost can act on, one line each. A connector is one folder `src/platforms/<name>/`
 * exporting its PlatformDefinition; adding one = that folder, a line here and a line in
 * test/platforms/contract/connectors.ts. Nothing else in the hub names a platform.
 */
import { InputError } from '../errors.js';
import { discordPlatform } from './discord/discordConnector.js';
import { ircPlatform } from './irc/ircConnector.js';
import type { PlatformDefinition } from './platform.js';
import { blueskyPlatform } from './bluesky/blueskyConnector.js';
import { mastodonPlatform } from './mastodon/mastodonConnector.js';
import { matrixPlatform } from './matrix/matrixConnector.js';
import { redditPlatform } from './reddit/redditConnector.js';
import { rssPlatform } from './rss/rssConnector.js';
import { sandboxPlatform } from './sandbox/sandboxConnector.js';
import { telegramPlatform } from './telegram/telegramConnector.js';
import { tumblrPlatform } from './tumblr/tumblrConnector.js';

export const PLATFORMS: readonly PlatformDefinition[] = [
  sandboxPlatform,
  mastodonPlatform,
  rssPlatform,
  telegramPlatform,
  ircPlatform,
  blueskyPlatform,
  redditPlatform,
  matrixPlatform,
  tumblrPlatform,
  discordPlatform,
];

export function platformNamed(name: string): PlatformDefinition {
  const p = PLATFORMS.find((d) => d.name === name);
  if (!p)
    throw new InputError('platform', `no platform '${name}'; Roost has: ${PLATFORMS.map((d) => d.name).join(', ')}`);
  return p;
}
