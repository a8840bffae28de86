/**
 * `GET /events` from the shared event log (the same events `berth events` shows) and
 * `GET /system/df`. Events stream as JSON lines until the client goes, `until` passes or the
 * server stops.
 */
import { parseFilterJson } from '../../engine/eventFilter.js';
import { dockerEventJson } from '../../engine/eventMessage.js';
import { parseEventTime, streamEvents } from '../../engine/queryEvents.js';
import type { Exchange } from '../exchange.js';
import type { Router } from '../router.js';

async function events(x: Exchange): Promise<void> {
  const since = x.query('since');
  const until = x.query('until');
  const now = Date.now();
  const q = {
    filters: parseFilterJson(x.query('filters')),
    since: since ? parseEventTime(since, 'since', now) : undefined,
    until: until ? parseEventTime(until, 'until', now) : undefined,
  };
  const out = x.stream(200, 'application/json', { 'Api-Version': x.version });
  const stream = streamEvents(x.ctx.store, q, (e) => out.write(`${dockerEventJson(e)}\n`));
  const onStop = () => stream.stop();
  x.ctx.stopping.addEventListener('abort', onStop);
  out.closed.then(onStop, onStop);
  try {
    await stream.done;
  } finally {
    x.ctx.stopping.removeEventListener('abort', onStop);
    out.end();
  }
}

/** Docker's /system/df: images, containers (with sizes), volumes (with usage), no build cache records. */
async function df(x: Exchange): Promise<void> {
  const [{ ImageStore }, { diskUsage }, { volumeUsage }, { VolumeStore }, { listContainers, commandText }] = await Promise.all([
    import('../../image/ImageStore.js'), import('../../image/diskUsage.js'), import('../../engine/volumeUsage.js'),
    import('../../engine/volumes.js'), import('../../engine/listContainers.js'),
  ]);
  const images = ImageStore.open(x.ctx.root);
  const du = diskUsage(images);
  const sizes = new Map(du.containers.items.map((c) => [c.id, c.size]));
  const { statusText } = await import('../../engine/containerState.js');
  const vols = new VolumeStore(x.ctx.root);
  const layersSize = du.images.size;
  x.sendJson(200, {
    LayersSize: layersSize,
    Images: du.images.items.map((it) => ({
      Id: it.image.id, ParentId: '', RepoTags: it.image.tags, RepoDigests: [], Created: Math.floor(it.image.created), Size: it.image.size,
      SharedSize: it.shared, VirtualSize: it.image.size, Labels: it.image.config.config?.Labels ?? {}, Containers: it.containers,
    })),
    Containers: listContainers(x.ctx.store, { all: true }).map((e) => ({
      Id: e.rec.Id, Names: [e.rec.Name], Image: e.rec.Config.Image, ImageID: e.rec.Image, Command: commandText(e.rec, false).slice(1, -1),
      Created: Math.floor(Date.parse(e.rec.Created) / 1000), State: e.state.Status, Status: statusText(e.state, Date.now()),
      SizeRw: sizes.get(e.rec.Id) ?? 0, SizeRootFs: (sizes.get(e.rec.Id) ?? 0), Labels: e.rec.Config.Labels ?? {},
      Mounts: e.rec.Mounts.map((m) => ({ Type: m.Type, Name: m.Name, Source: m.Source, Destination: m.Destination, RW: m.RW })),
    })),
    Volumes: volumeUsage(x.ctx.root).map((u) => {
      const v = vols.get(u.name);
      return { ...(v ? volumeJson(v) : { Name: u.name, Driver: 'local', Scope: 'local' }), UsageData: { Size: u.size, RefCount: u.links } };
    }),
    BuildCache: [],
  });
}

/** A volume in Docker's shape (the internal Anonymous flag left out). */
export function volumeJson(v: import('../../engine/volumes.js').Volume): Record<string, unknown> {
  const { Anonymous: _a, ...rest } = v;
  return { ...rest, Labels: rest.Labels ?? {}, Options: rest.Options ?? {} };
}

export function register(r: Router): void {
  r.add('GET', '/events', events);
  r.add('GET', '/system/df', df);
}
