// Child process for networkStore.test.ts: allocate one address in <root>'s network `n`.
import { NetworkStore } from '../../src/network/NetworkStore.js';
import { allocateIp, macFor } from '../../src/network/ipam.js';

const [root, id] = process.argv.slice(2);
const store = new NetworkStore(root);
const ip = await store.locked(() => {
  const net = store.get('n');
  const a = allocateIp(net);
  net.endpoints[id] = { containerId: id, name: id, aliases: [], ip: a, mac: macFor(a), hostIfname: '', ifname: 'eth0', netnsPath: '', ports: [] };
  store.save(net);
  return a;
});
process.stdout.write(ip + '\n');
