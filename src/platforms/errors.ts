/**
 * The platform errors a caller must tell apart: both stop a bot (paused, with the reason shown)
 * rather than restarting it, since trying again cannot help until a person acts. Anything else a
 * platform call throws is transient: the proxy retried it, and the bot handles the event again.
 */
import { OPTIONAL_FIELDS, type Capabilities, type PostDraft } from './connector.js';

/** The platform refused the credentials (401, a revoked token, a deleted account). */
export class AuthError extends Error {
  override name = 'AuthError';
  constructor(
    readonly account: string,
    message: string,
  ) {
    super(`account '${account}': ${message}`);
  }
}

/** A post the platform cannot take: `field` names what (text too long, too many images, an unsupported field). */
export class PlatformRefusal extends Error {
  override name = 'PlatformRefusal';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Whether an error should pause the bot that met it. */
export function stopsTheBot(e: unknown): e is AuthError | PlatformRefusal {
  return e instanceof AuthError || e instanceof PlatformRefusal;
}

/** Refuses, before anything is sent, a draft the connector's platform cannot take, saying what. */
export function checkDraft(platform: string, caps: Capabilities, d: PostDraft): void {
  if (typeof d.text !== 'string') throw new PlatformRefusal('text', 'a post needs text (a string)');
  const length = [...d.text].length;
  if (length > caps.maxText)
    throw new PlatformRefusal('text', `${platform} takes at most ${caps.maxText} characters; this text has ${length}`);
  if (d.replyTo != null && !caps.reply) throw new PlatformRefusal('replyTo', `${platform} has no replies`);
  for (const field of OPTIONAL_FIELDS) {
    const v = d[field];
    const set = v !== undefined && v !== null && v !== false && !(Array.isArray(v) && v.length === 0);
    if (set && !caps.fields.includes(field))
      throw new PlatformRefusal(field, `${platform} does not support ${field}; leave it out for this account`);
  }
  const images = d.images ?? [];
  if (images.length > caps.maxImages)
    throw new PlatformRefusal(
      'images',
      `${platform} takes at most ${caps.maxImages} images; this post has ${images.length}`,
    );
  for (const [i, img] of images.entries()) {
    if (!img || [img.file, img.data, img.artifact].filter((v) => v !== undefined).length !== 1)
      throw new PlatformRefusal(
        `images[${i}]`,
        'an image is { file }, { data } (bytes) or { artifact } (sha256:<hex>), exactly one of them',
      );
  }
  if (d.visibility != null && !caps.visibilities.includes(d.visibility))
    throw new PlatformRefusal(
      'visibility',
      `${platform} has no visibility '${d.visibility}'; it has ${caps.visibilities.join(', ')}`,
    );
}
