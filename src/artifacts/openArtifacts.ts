import type { Logger } from 'pino';
import type { Cluster } from '../store/cluster.js';
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import { Artifacts } from './artifacts.js';
import { LinkSigner, loadLinkSecret } from './links.js';
import { openArtifactBackend } from './openBackend.js';

/** The hub's artifacts as the config describes them; the leading hub runs their gc with the retention sweep. */
export async function openArtifacts(config: Config, store: Store, cluster: Cluster, log: Logger): Promise<Artifacts> {
  const artifacts = new Artifacts(
    await openArtifactBackend(config),
    store.companions.artifactMeta(),
    new LinkSigner(loadLinkSecret(config.linkSecret, config.dataDir)),
    { maxBytes: config.artifactMaxBytes, graceMs: config.artifactGraceMs, log },
  );
  if (cluster.isLeader) artifacts.sweepEvery(config.sweepIntervalMs);
  cluster.onLeadership((leader) => (leader ? artifacts.sweepEvery(config.sweepIntervalMs) : artifacts.stopSweeping()));
  return artifacts;
}
