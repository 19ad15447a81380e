import type { Readable } from 'node:stream';
import type { Capabilities, ImageInput, PostDraft } from '../platforms/connector.js';
import { PlatformRefusal } from '../platforms/errors.js';

/** What posting needs of the hub's artifacts (src/artifacts' Artifacts has it). */
export interface ArtifactReader {
  get(sha256: string): Promise<{ size: number; type: string } | null>;
  open(sha256: string): Promise<Readable>;
}

const REF = /^(?:sha256:)?([0-9a-f]{64})$/;

/**
 * The draft with each `{ artifact }` image replaced by its bytes and type, read from the hub's
 * artifacts just before the connector sends it (the ledger keeps the reference, not the bytes).
 * An unknown artifact, or one past what the platform takes, is refused naming the image before
 * anything is read.
 */
export async function withArtifactImages(
  draft: PostDraft,
  artifacts: ArtifactReader | null,
  platform: string,
  caps: Capabilities,
): Promise<PostDraft> {
  if (!draft.images?.some((img) => img.artifact !== undefined)) return draft;
  const images = await Promise.all(
    draft.images.map(async (img, i): Promise<ImageInput> => {
      if (img.artifact === undefined) return img;
      const field = `images[${i}].artifact`;
      const sha256 = REF.exec(String(img.artifact))?.[1];
      if (!sha256) throw new PlatformRefusal(field, `'${img.artifact}' is not an artifact reference (sha256:<64 hex>)`);
      const meta = artifacts ? await artifacts.get(sha256) : null;
      if (!meta) throw new PlatformRefusal(field, `this hub has no artifact sha256:${sha256}`);
      if (meta.size > caps.maxImageBytes)
        throw new PlatformRefusal(
          field,
          `${platform} takes images of at most ${caps.maxImageBytes} bytes; artifact sha256:${sha256} has ${meta.size}`,
        );
      const chunks: Buffer[] = [];
      for await (const chunk of await artifacts!.open(sha256)) chunks.push(chunk as Buffer);
      const { artifact: _ref, ...rest } = img;
      return { ...rest, data: Buffer.concat(chunks), mime: img.mime ?? meta.type };
    }),
  );
  return { ...draft, images };
}
