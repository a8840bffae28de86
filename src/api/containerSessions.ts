/**
 * What the server keeps in memory about containers: attaches waiting for a start (the
 * docker CLI attaches before it starts, and no output may be lost), and the exits of the
 * containers this server started (their monitors are its children: the exit code arrives
 * even when --rm removes the container at once). Nothing here is needed to survive a
 * restart: containers and their state live in the store.
 */
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import type { ApiContext } from './context.js';

export interface PendingAttach {
  /** Called with the monitor's attach socket once the container is started (held). */
  connect(sock: net.Socket): void;
  /** The container started without us holding it (another process started it). */
  late(): void;
  closed: boolean;
  /** Taken by a start of this server: it will connect it (or call late). */
  claimed?: boolean;
}

export interface Exit { code: number }

export class ContainerSessions {
  private readonly pending = new Map<string, Set<PendingAttach>>();
  readonly events = new EventEmitter();

  constructor() {
    this.events.setMaxListeners(0);
  }

  addPending(id: string, p: PendingAttach): () => void {
    let set = this.pending.get(id);
    if (!set) this.pending.set(id, (set = new Set()));
    set.add(p);
    return () => {
      set!.delete(p);
      if (!set!.size && this.pending.get(id) === set) this.pending.delete(id);
    };
  }

  takePending(id: string): PendingAttach[] {
    const set = this.pending.get(id);
    this.pending.delete(id);
    const out = set ? [...set].filter((p) => !p.closed) : [];
    for (const p of out) p.claimed = true;
    return out;
  }

  exited(id: string, code: number): void {
    this.events.emit(`exit:${id}`, { code } satisfies Exit);
  }

  removed(id: string): void {
    this.events.emit(`removed:${id}`);
  }
}

const BY_CTX = new WeakMap<ApiContext, ContainerSessions>();

export function sessionsOf(ctx: ApiContext): ContainerSessions {
  let s = BY_CTX.get(ctx);
  if (!s) BY_CTX.set(ctx, (s = new ContainerSessions()));
  return s;
}
