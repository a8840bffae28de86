/** What every handler can reach: the store, the root, the server's log. */
import type { ContainerStore } from '../engine/ContainerStore.js';

export interface ApiContext {
  root: string;
  store: ContainerStore;
  /** `--log-level debug`. */
  debug: boolean;
  log(line: string): void;
  /** Aborted when the server stops: long-lived streams (wait, logs -f, stats) end then. */
  stopping: AbortSignal;
}
