/** What connectors share in turning a draft into what they send: its text, and its images' bytes. */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { ImageInput, PostDraft } from './connector.js';
import { PlatformRefusal } from './errors.js';

const MIME: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
};

/** The text with the mentions it lacks put before it and the tags it lacks after it, as platforms read them. */
export function renderText(d: PostDraft): string {
  const missing = (d.mentions ?? []).map((m) => m.replace(/^@/, '')).filter((m) => !d.text.includes(`@${m}`));
  const tags = (d.tags ?? []).map((t) => `#${t.replace(/^#/, '')}`).filter((t) => !d.text.includes(t));
  return [missing.map((m) => `@${m}`).join(' '), d.text, tags.join(' ')].filter(Boolean).join(' ');
}

export interface ImageBytes {
  bytes: Uint8Array;
  mime: string;
  name: string;
}

/** An image's bytes (read from its file when given one), refused past the platform's size. */
export async function readImage(
  platform: string,
  img: ImageInput,
  maxBytes: number,
  fallbackMime: string,
): Promise<ImageBytes> {
  const bytes = img.data ?? (await readFile(img.file!));
  if (bytes.length > maxBytes)
    throw new PlatformRefusal(
      'images',
      `${platform} takes images of at most ${maxBytes} bytes; this one has ${bytes.length}`,
    );
  const mime = img.mime ?? (img.file ? MIME[extname(img.file).toLowerCase()] : undefined) ?? fallbackMime;
  return { bytes, mime, name: img.file ? basename(img.file) : 'image' };
}
