/**
 * Worker thread entry: unpacks the layers `RemoteSink` sends it, one at a time, with a
 * `LocalSink` (the same code as in-thread). Messages: start {dest, profile}, data {buf}
 * (transferred), end, abort; answers done {result, prof} or error {error, prof}, and free {buf}
 * for every data chunk once consumed (its memory goes back; the sender counts these to bound
 * what is in flight: an Atomics.notify per chunk cost far more, 0.3 ms and up, than a message).
 */
import { parentPort } from 'node:worker_threads';
import { LocalSink } from './LayerSink.js';
import { serializeError, type WorkerRequest, type WorkerReply } from './workerProtocol.js';
import { takeIoProfile } from './unpackProfile.js';

let sink: LocalSink | undefined;
let failed = false;
const port = parentPort!;
const reply = (m: WorkerReply) => port.postMessage(m);

function fail(job: number, e: unknown): void {
  if (failed) return;
  failed = true;
  reply({ t: 'error', job, error: serializeError(e), prof: takeIoProfile() });
}

port.on('message', (m: WorkerRequest) => {
  if (m.t === 'start') {
    if (m.profile) process.env.BERTH_PROFILE_IO = '1';
    else delete process.env.BERTH_PROFILE_IO;
    takeIoProfile();
    failed = false;
    try {
      sink = new LocalSink(m.dest, m.blob);
    } catch (e) {
      fail(m.job, e);
    }
    return;
  }
  const s = sink;
  if (m.t === 'data') {
    // consumed (the parser, zlib and the applier keep no view of it): back to the pool
    const done = () => port.postMessage({ t: 'free', job: m.job, buf: m.buf } satisfies WorkerReply, [m.buf]);
    if (!s || failed) return done();
    s.write(Buffer.from(m.buf));
    s.drained().then(done, (e) => {
      done();
      fail(m.job, e);
    });
  } else if (m.t === 'end') {
    if (!s || failed) {
      void s?.abort(); // closes the blob file
      sink = undefined;
      return fail(m.job, new Error('unpack failed'));
    }
    s.end().then((result) => reply({ t: 'done', job: m.job, result, prof: takeIoProfile() }), (e) => fail(m.job, e));
    sink = undefined;
  } else if (m.t === 'abort') {
    s?.abort();
    sink = undefined;
    fail(m.job, new Error('aborted'));
  }
});
