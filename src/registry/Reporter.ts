/** What pull and push tell the user as they go; the CLI renders it (src/cli/image/Progress.ts). */
export interface Reporter {
  /** A line of its own: `latest: Pulling from library/busybox`, `Digest: ...`. */
  line(s: string): void;
  /** A layer's status by short ID: `Pulling fs layer`, `Downloading` (with bytes so far), `Pull complete`. */
  layer(id: string, status: string, bytes?: { done: number; total: number }): void;
}

/** Says nothing (`-q`, and engine callers such as `run --pull`). */
export const silent: Reporter = { line: () => undefined, layer: () => undefined };
