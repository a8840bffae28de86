/** go-units' human sizes and durations, as Docker's CLI prints them. */
import { humanDuration } from '../../engine/humanDuration.js';

/** Docker's `units.HumanSizeWithPrecision(n, precision)`: decimal units, 3 significant digits by
 * default (`units.HumanSize`, as the progress bars use it, is precision 4). */
export function humanSize(n: number, precision = 3): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(precision))}${units[i]}`;
}

/** `images`/`history` CreatedSince: "2 weeks ago"; N/A when unknown. */
export function since(unixSeconds: number): string {
  if (!unixSeconds) return 'N/A';
  return `${humanDuration(Date.now() / 1000 - unixSeconds)} ago`;
}
