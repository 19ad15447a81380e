/**
 * Roost's post model in the Neue Post Format (github.com/tumblr/docs, npf-spec.md): the text as one
 * text block per line, each image an image block whose bytes travel in the same multipart request
 * under an identifier, tags as Tumblr's comma-separated list. Reading back, an answer's text is
 * that of the blocks outside the `ask` layout, so a post reads as the text it was made from.
 */
import type { PostDraft } from '../connector.js';
import { readImage } from '../draft.js';
import { PlatformRefusal } from '../errors.js';

export interface NpfBlock {
  type: string;
  text?: string;
  media?: Array<{ type: string; identifier: string }>;
  alt_text?: string;
}

export interface NpfLayout {
  type: string;
  blocks?: number[];
  attribution?: { blog?: { name?: string } };
}

/** A post as GET /posts/{id} and /posts?npf=true give it; only what Roost reads. */
export interface NpfPost {
  id_string?: string;
  id: string | number;
  blog_name?: string;
  tumblelog_uuid?: string;
  blog?: { name?: string; uuid?: string };
  reblog_key: string;
  timestamp?: number;
  post_url?: string;
  state?: string;
  tags?: string[];
  content: NpfBlock[];
  layout?: NpfLayout[];
}

/** Tumblr's limits: a tag is at most 140 characters and has no comma (the list's separator); 30 tags a post. */
const MAX_TAG = 140;
const MAX_TAGS = 30;

/** The draft's tags and the account's own (the `tags` credential), as Tumblr's comma-separated list. */
export function tagList(d: PostDraft, accountTags: readonly string[]): string {
  const tags = [...new Set([...(d.tags ?? []), ...accountTags].map((t) => t.trim().replace(/^#/, '')).filter(Boolean))];
  for (const t of tags)
    if (t.includes(',') || [...t].length > MAX_TAG)
      throw new PlatformRefusal(
        'tags',
        `a Tumblr tag has no commas and at most ${MAX_TAG} characters: '${t.slice(0, 40)}'`,
      );
  if (tags.length > MAX_TAGS)
    throw new PlatformRefusal('tags', `Tumblr takes at most ${MAX_TAGS} tags a post; this one has ${tags.length}`);
  return tags.join(',');
}

/** The draft's content blocks, and the multipart body carrying them with the images' bytes (null: no images, send JSON). */
export async function draftContent(
  d: PostDraft,
  maxImageBytes: number,
): Promise<{ blocks: NpfBlock[]; files: Array<{ identifier: string; blob: Blob; name: string }> }> {
  const blocks: NpfBlock[] = d.text === '' ? [] : d.text.split('\n').map((line) => ({ type: 'text', text: line }));
  const files = [];
  for (const [i, img] of (d.images ?? []).entries()) {
    const { bytes, mime, name } = await readImage('tumblr', img, maxImageBytes, 'image/png');
    const identifier = `roost-image-${i}`;
    blocks.push({ type: 'image', media: [{ type: mime, identifier }], ...(img.alt ? { alt_text: img.alt } : {}) });
    files.push({ identifier, blob: new Blob([bytes], { type: mime }), name });
  }
  return { blocks, files };
}

/** The request body of a create or edit: JSON, or multipart (the JSON part first) where images go with it. */
export function npfBody(
  params: Record<string, unknown>,
  files: Array<{ identifier: string; blob: Blob; name: string }>,
): { json: unknown } | { multipart: FormData } {
  if (files.length === 0) return { json: params };
  const form = new FormData();
  form.append('json', new Blob([JSON.stringify(params)], { type: 'application/json' }));
  for (const f of files) form.append(f.identifier, f.blob, f.name);
  return { multipart: form };
}

/** The indices of a post's ask blocks (empty: not an ask). */
export function askBlocks(p: Pick<NpfPost, 'layout'>): Set<number> {
  return new Set((p.layout ?? []).find((l) => l.type === 'ask')?.blocks ?? []);
}

/** The text of a post's own blocks (an answer's, without the ask), one line per text block. */
export function ownText(p: NpfPost): string {
  const ask = askBlocks(p);
  return p.content
    .filter((b, i) => !ask.has(i) && b.type === 'text')
    .map((b) => b.text ?? '')
    .join('\n');
}
