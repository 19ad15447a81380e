import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { ArtifactMeta, ArtifactRef } from '../artifacts/ref.js';
import { isSha256 } from '../artifacts/ref.js';
import { duration, integer, text, UsageError } from './flags.js';
import { clientCommand, connect, iso, nextPage, out, printJson, query, table, type ClientFlags } from './shared.js';

type Listed = ArtifactMeta & { ref: ArtifactRef };

function hashArg(value: string): string {
  const hash = value.startsWith('sha256:') ? value.slice(7) : value;
  if (!isSha256(hash))
    throw new UsageError(`HASH must be 64 lower-case hex digits (sha256:... also works), got '${value}'`);
  return hash;
}

async function fileHash(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

export function registerArtifactCommands(program: Command): void {
  const artifact = program
    .command('artifact')
    .description('Upload, download, list and delete artifacts (files stored by content hash)');

  clientCommand(artifact, 'put', 'Upload a file (or - for standard input); prints its reference')
    .argument('<file>', 'the file, or - to read standard input')
    .option('--type <media-type>', 'its content type (default application/octet-stream)', text('--type', 200))
    .action(async (file: string, f: ClientFlags & { type?: string }) => {
      const client = connect(f);
      const type = f.type ?? 'application/octet-stream';
      // A file is hashed first, so the hub checks that what arrived is what was sent.
      const reply =
        file === '-'
          ? await client.upload<Listed>('/v1/artifacts', process.stdin, type)
          : await client.upload<Listed>(
              `/v1/artifacts?sha256=${await fileHash(file)}`,
              createReadStream(file),
              type,
              statSync(file).size,
            );
      if (f.json) return printJson(reply.body);
      out(
        `${reply.status === 201 ? 'Stored' : 'Already stored'}: sha256:${reply.body.sha256} (${reply.body.size} bytes, ${reply.body.type})`,
      );
    });

  clientCommand(artifact, 'get', 'Download an artifact to a file (-o) or standard output')
    .argument('<hash>', 'its SHA-256 (64 hex digits, or sha256:...)')
    .option('-o, --output <file>', 'write it here (written beside it first, then renamed in)')
    .action(async (hash: string, f: ClientFlags & { output?: string }) => {
      const res = await connect(f).download(`/v1/artifacts/${hashArg(hash)}`);
      if (!f.output) return void (await pipeline(res, process.stdout));
      const temp = `${f.output}.part`;
      try {
        await pipeline(res, createWriteStream(temp));
        await rename(temp, f.output);
      } catch (e) {
        await rm(temp, { force: true });
        throw e;
      }
      if (f.json) printJson({ sha256: hashArg(hash), file: f.output });
    });

  clientCommand(artifact, 'ls', 'List artifacts, newest first')
    .option('--limit <n>', 'how many (1 to 1000)', integer('--limit', 1, 1000), 100)
    .option('--cursor <cursor>', 'the page after this one (printed under the last page)')
    .action(async (f: ClientFlags & { limit: number; cursor?: string }) => {
      const page = await connect(f).get<{ artifacts: Listed[]; nextCursor: string | null }>(
        `/v1/artifacts${query({ limit: f.limit, before: f.cursor })}`,
      );
      if (f.json) return printJson(page);
      if (page.artifacts.length === 0) return out('No artifacts.');
      table(
        ['SHA256', 'SIZE', 'TYPE', 'CREATED'],
        page.artifacts.map((a) => [a.sha256, String(a.size), a.type, iso(a.createdAt)]),
      );
      nextPage(page.nextCursor, 'roost artifact ls');
    });

  clientCommand(artifact, 'rm', 'Delete an artifact, whatever references it (needs an admin token)')
    .argument('<hash>', 'its SHA-256')
    .action(async (hash: string, f: ClientFlags) => {
      const r = await connect(f).request<{ deleted: string }>('DELETE', `/v1/artifacts/${hashArg(hash)}`);
      if (f.json) printJson(r);
      else out(`Deleted sha256:${r.deleted}`);
    });

  clientCommand(artifact, 'gc', 'Delete the artifacts nothing references, past the grace period (needs an admin token)')
    .option(
      '--grace <duration>',
      "keep what was uploaded within this long (default: the hub's artifactGraceMs)",
      duration('--grace'),
    )
    .action(async (f: ClientFlags & { grace?: number }) => {
      const r = await connect(f).post<{ deleted: string[] }>(
        `/v1/artifacts/gc${query({ grace: f.grace === undefined ? undefined : `${f.grace}ms` })}`,
      );
      if (f.json) printJson(r);
      else out(`Deleted ${r.deleted.length} artifact${r.deleted.length === 1 ? '' : 's'}`);
    });

  clientCommand(artifact, 'link', 'A signed link that reads the artifact without a token until it expires')
    .argument('<hash>', 'its SHA-256')
    .option('--ttl <duration>', 'how long it works (default 1h)', duration('--ttl'))
    .action(async (hash: string, f: ClientFlags & { ttl?: number }) => {
      const client = connect(f);
      const r = await client.post<{ url: string; expiresAt: number }>(
        `/v1/artifacts/${hashArg(hash)}/link`,
        f.ttl === undefined ? {} : { ttlMs: f.ttl },
      );
      const link = { url: client.baseUrl + r.url, expiresAt: r.expiresAt };
      if (f.json) printJson(link);
      else out(`${link.url}\n(expires ${iso(link.expiresAt)})`);
    });
}
