import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kernelHasLowerdirPlus, legacyOverlayData, overlayOptionsError } from '../../../src/image/Snapshotter.js';

const lowers = (n: number, len: number) => `lowerdir=${Array.from({ length: n }, (_, i) => `/${String(i).padStart(len - 1, 'l')}`).join(':')}`;

test('lowerdir+ arrived in Linux 6.8', () => {
  for (const r of ['6.8.0', '6.18.44-fc-v1300', '7.0.1', '6.10.3-arch1']) assert.ok(kernelHasLowerdirPlus(r), r);
  for (const r of ['6.1.0-57-amd64', '6.7.12', '5.15.0-91-generic', '4.19.0']) assert.ok(!kernelHasLowerdirPlus(r), r);
});

test('overlay options: fsconfig strings, lowerdir+ layer by layer, or one page for mount(2)', () => {
  const rw = ['upperdir=/u', 'workdir=/w', 'index=off'];
  // short: fits everything
  assert.equal(overlayOptionsError([lowers(5, 30), ...rw], false), undefined);
  // 200 layers of 40 bytes: over the page; only lowerdir+ takes them
  assert.equal(overlayOptionsError([lowers(200, 40), ...rw], true), undefined);
  assert.match(overlayOptionsError([lowers(200, 40), ...rw], false)!, /^overlay mount options are \d+ bytes, over the kernel's 4095-byte limit \(Linux 6\.8 lifts it\)$/);
  // an upperdir past fsconfig's 255 bytes needs mount(2): fine while the whole fits the page
  const longUpper = [`upperdir=/${'u'.repeat(300)}`, 'workdir=/w'];
  assert.equal(overlayOptionsError([lowers(20, 40), ...longUpper], true), undefined);
  assert.match(overlayOptionsError([lowers(200, 40), ...longUpper], true)!, /over the kernel's 4095-byte limit$/);
  // one lower dir past 255 bytes: no lowerdir+ for it either
  assert.match(overlayOptionsError([`${lowers(200, 40)}:/${'x'.repeat(300)}`], true)!, /4095-byte limit/);
  // overlayfs' own stack limit
  assert.equal(overlayOptionsError([lowers(500, 12)], true), undefined);
  assert.equal(overlayOptionsError([lowers(501, 12)], true), 'overlayfs stacks at most 500 lower dirs');
});

test('past the page, mount(2) gets the layer links relative to their directory (as overlay2 does)', () => {
  const links = Array.from({ length: 128 }, (_, i) => `/var/lib/berth/layers/l/${String(i).padStart(26, 'L')}`);
  const rw = ['upperdir=/var/lib/berth/snapshots/s/upper', 'workdir=/var/lib/berth/snapshots/s/work', 'index=off'];
  const opts = [`lowerdir=${links.join(':')}`, ...rw];
  assert.equal(overlayOptionsError(opts, false), undefined);
  assert.equal(legacyOverlayData(opts), [`lowerdir=${links.map((l) => l.slice('/var/lib/berth/layers/l/'.length)).join(':')}`, ...rw].join(','));
  // the read-only view: the snapshot's upper dir on top stays absolute
  const view = [`lowerdir=/var/lib/berth/snapshots/s/upper:${links.join(':')}`];
  assert.match(legacyOverlayData(view), /^lowerdir=\/var\/lib\/berth\/snapshots\/s\/upper:L+0:L+1:/);
  // fits the page: untouched
  assert.equal(legacyOverlayData([`lowerdir=${links.slice(0, 3).join(':')}`, ...rw]), [`lowerdir=${links.slice(0, 3).join(':')}`, ...rw].join(','));
  // 499 links do not fit even relative
  const many = Array.from({ length: 499 }, (_, i) => `/r/l/${String(i).padStart(26, 'L')}`);
  assert.match(overlayOptionsError([`lowerdir=${many.join(':')}`, ...rw], false)!, /4095-byte limit/);
});
