import { invalidArgument } from '../errors.js';
import { parseRate } from './rate/index.js';

/** What a container may send (egress) and receive (ingress), in tc rate syntax. */
export interface RateSpec {
  egress?: string;
  ingress?: string;
}

/**
 * `--network-rate`: `10mbit` (both directions), or `egress=10mbit,ingress=2mbit`
 * (either part may be left out). Rates use tc's units (kbit, mbit, gbit, kbps, mbps...).
 */
export function parseNetworkRate(value: string): RateSpec {
  const v = value.trim();
  if (!v) throw invalidArgument('invalid --network-rate: empty');
  if (!v.includes('=')) {
    parseRate(v, '--network-rate');
    return { egress: v, ingress: v };
  }
  const out: RateSpec = {};
  for (const part of v.split(',')) {
    const [k, r] = part.split('=', 2).map((x) => x.trim());
    if (k !== 'egress' && k !== 'ingress') throw invalidArgument(`invalid --network-rate ${value}: expected egress=RATE and/or ingress=RATE`);
    if (out[k]) throw invalidArgument(`invalid --network-rate ${value}: ${k} given twice`);
    parseRate(r ?? '', `--network-rate ${k}`);
    out[k] = r;
  }
  return out;
}
