import type { Logger } from 'pino';
import type { Handler } from '../handler.js';
import { callImageServer, IMAGE_KIND, imageInput, storeImages, type ImageServer } from './image.js';

/**
 * `roost worker --sd-webui URL [--model CKPT]...`: image.generate served by AUTOMATIC1111's Stable
 * Diffusion WebUI (or a fork keeping its API, such as Forge) started with `--api`, through
 * `POST /sdapi/v1/txt2img`. The images come back base64-encoded in the response and are stored at
 * the hub as artifacts. With --model, each model is offered as a label and sent as
 * `override_settings.sd_model_checkpoint`; without, the checkpoint the WebUI has loaded is used.
 */

export interface SdWebuiOptions {
  url: string;
  models: string[];
  log: Logger;
}

interface Txt2ImgResponse {
  images?: string[];
  info?: string;
}

export function sdWebuiHandlers(o: SdWebuiOptions): Handler[] {
  const server: ImageServer = { name: 'the Stable Diffusion WebUI', base: o.url.replace(/\/+$/, '') };
  o.log.info({ server: server.base, models: o.models }, 'serving a Stable Diffusion WebUI');
  return [
    {
      kind: IMAGE_KIND,
      ...(o.models.length > 0 ? { offers: o.models.map((model) => ({ model })) } : {}),
      async run(input, ctx) {
        const i = imageInput(input, o.models);
        const { model, ...params } = i;
        const body = {
          ...params,
          seed: ctx.seed,
          send_images: true,
          save_images: false,
          ...(model !== undefined
            ? { override_settings: { sd_model_checkpoint: model }, override_settings_restore_afterwards: true }
            : {}),
        };
        const res = await callImageServer(server, '/sdapi/v1/txt2img', { body, signal: ctx.signal });
        const out = (await res.json()) as Txt2ImgResponse;
        if (!Array.isArray(out.images) || out.images.length === 0)
          throw new Error(`${server.name} answered txt2img without images`);
        // Some builds prefix a data: URL header; the bytes follow the comma.
        const bytes = out.images.map((b64) => Buffer.from(b64.slice(b64.indexOf(',') + 1), 'base64'));
        const images = await storeImages(bytes, ctx);
        // info is a JSON string: the seeds the WebUI used and its infotexts (parameters as it saw them).
        const info = parseInfo(out.info);
        return { ...(model !== undefined ? { model } : {}), seed: ctx.seed, images, ...(info ? { info } : {}) };
      },
    },
  ];
}

function parseInfo(info: unknown): Record<string, unknown> | undefined {
  if (typeof info !== 'string') return undefined;
  try {
    return JSON.parse(info) as Record<string, unknown>;
  } catch {
    return undefined; // forks that send something else lose only the extra detail
  }
}
