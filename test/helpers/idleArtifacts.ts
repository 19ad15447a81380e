import { HubClient } from '../../src/client/hubClient.js';
import { defaultCacheDir, WorkerArtifacts } from '../../src/worker/artifacts.js';

/** A task context's artifacts for handlers that move no files: its hub (port 9, discard) is never called. */
export function idleArtifacts(): WorkerArtifacts {
  return new WorkerArtifacts(new HubClient('http://127.0.0.1:9', undefined), defaultCacheDir(), 0);
}
