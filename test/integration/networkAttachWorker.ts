// Child process for networkConcurrent.test.ts: attach (or detach) one netns, print the result.
import { attachContainer, detachContainer } from '../../src/network/index.js';
import { describe } from '../../src/errors.js';

const [op, root, id, netnsPath, network] = process.argv.slice(2);
try {
  if (op === 'attach') {
    const r = await attachContainer({ root, containerId: id, name: `c-${id.slice(0, 8)}`, netnsPath, network });
    process.stdout.write(JSON.stringify({ ip: r.ip, mac: r.mac }) + '\n');
  } else {
    await detachContainer({ root, containerId: id, network });
    process.stdout.write('{}\n');
  }
} catch (e) {
  process.stderr.write(`worker ${id}: ${describe(e)}\n`);
  process.exitCode = 1;
}
