import { BerthError, invalidArgument, isBerthError } from '../errors.js';
import { ImageStore } from '../image/ImageStore.js';
import { familiarString } from '../image/reference.js';
import type { Reporter } from '../registry/Reporter.js';
import type { PullPolicy } from './imagePolicy.js';
export { parsePullPolicy, type PullPolicy } from './imagePolicy.js';


/**
 * Before a container is created: pull the image when the policy says so (`always`, or
 * `missing` and not in the store). IDs and digests already present are never pulled.
 * Failures keep the registry's words with run's exit code (125). The registry modules
 * load only when a pull happens, so the usual `run` path stays as light as it was.
 */
export async function ensureImage(root: string, image: string, policy: PullPolicy, out: { report: () => Promise<Reporter>; notice: (s: string) => void }): Promise<void> {
  if (policy === 'never') return;
  const store = ImageStore.open(root);
  let present = true;
  try {
    store.resolve(image);
  } catch (e) {
    if (!isBerthError(e, 'NotFound')) throw e;
    present = false;
  }
  if (present && policy === 'missing') return;
  if (/^(sha256:)?[a-f0-9]{12,64}$/.test(image)) return;
  const { parseRemoteReference } = await import('../registry/reference.js');
  const ref = parseRemoteReference(image);
  if (!present) out.notice(`Unable to find image '${familiarString(ref)}' locally`);
  const { pullImage } = await import('../registry/pullImage.js');
  const report = await out.report();
  const { closeIdleConnections } = await import('../registry/http.js');
  try {
    const r = await pullImage(store, ref, { report });
    report.line(`Status: ${r.downloaded ? 'Downloaded newer image' : 'Image is up to date'} for ${familiarString(ref)}`);
  } catch (e) {
    if (e instanceof BerthError) throw new BerthError(e.kind, e.message, { code: e.code, hint: e.hint, cause: e, exitCode: 125 });
    throw e;
  } finally {
    closeIdleConnections();
  }
}
