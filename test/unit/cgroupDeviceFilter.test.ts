import test from 'node:test';
import assert from 'node:assert/strict';
import { compileDeviceFilter, deviceAllowed, type LinuxDeviceCgroup } from '../../src/runtime/cgroups/index.js';
import { isBerthError } from '../../src/errors.js';

/** A tiny interpreter for the instructions the compiler emits, to check jumps and encoding. */
function run(program: Uint8Array, ctx: { type: number; access: number; major: number; minor: number }): number {
  const v = new DataView(program.buffer, program.byteOffset, program.byteLength);
  const r = new Array<number>(11).fill(0);
  const mem = [((ctx.access << 16) | ctx.type) >>> 0, ctx.major, ctx.minor];
  for (let pc = 0, steps = 0; steps < 10000; pc++, steps++) {
    const code = v.getUint8(pc * 8);
    const dst = v.getUint8(pc * 8 + 1) & 0xf;
    const src = v.getUint8(pc * 8 + 1) >> 4;
    const off = v.getInt16(pc * 8 + 2, true);
    const imm = v.getInt32(pc * 8 + 4, true);
    switch (code) {
      case 0x61: assert.equal(src, 1); r[dst] = mem[off / 4]; break;
      case 0x54: r[dst] = (r[dst] & imm) >>> 0; break;
      case 0x74: r[dst] = r[dst] >>> imm; break;
      case 0xbc: r[dst] = r[src] >>> 0; break;
      case 0xb7: r[dst] = imm; break;
      case 0x15: if (r[dst] === imm) pc += off; break;
      case 0x55: if (r[dst] !== imm) pc += off; break;
      case 0x95: return r[0];
      default: throw new Error(`unexpected opcode ${code.toString(16)}`);
    }
    assert.ok(pc + 1 < program.length / 8, 'jump past the end');
  }
  throw new Error('no exit');
}

const DOCKER_DEFAULT: LinuxDeviceCgroup[] = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
  { allow: true, type: 'c', major: 136, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rw' },
  { allow: true, type: 'b', major: 8, minor: 0, access: 'r' },
  { allow: false, type: 'c', major: 1, minor: 5, access: 'w' },
  { allow: true, type: 'a', access: 'm' },
];

const lists: [string, LinuxDeviceCgroup[]][] = [
  ['docker-like', DOCKER_DEFAULT],
  ['empty (deny all)', []],
  ['allow all', [{ allow: true, access: 'rwm' }]],
  ['allow all then deny one', [{ allow: true, access: 'rwm' }, { allow: false, type: 'b', major: 254, minor: 0, access: 'rwm' }]],
  ['deny all then allow all char', [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', access: 'rwm' }]],
];

for (const [name, list] of lists) {
  test(`device filter (${name}): the program decides like the rules`, () => {
    const f = compileDeviceFilter(list);
    assert.equal(f.program.length, f.insnCount * 8);
    for (const type of ['b', 'c'] as const) {
      for (const [major, minor] of [[1, 3], [1, 5], [136, 2], [5, 0], [8, 0], [254, 0]]) {
        for (const access of ['r', 'w', 'm', 'rw', 'rwm']) {
          const mask = [...access].reduce((m, c) => m | ({ m: 1, r: 2, w: 4 } as Record<string, number>)[c], 0);
          const want = deviceAllowed(list, { type, major, minor, access }) ? 1 : 0;
          assert.equal(run(f.program, { type: type === 'b' ? 1 : 2, access: mask, major, minor }), want, `${type} ${major}:${minor} ${access}`);
        }
      }
    }
  });
}

test('device filter: expected decisions for the docker-like list', () => {
  const ok = (type: 'b' | 'c', major: number, minor: number, access: string) => deviceAllowed(DOCKER_DEFAULT, { type, major, minor, access });
  assert.equal(ok('c', 1, 3, 'rw'), true);
  assert.equal(ok('c', 1, 5, 'r'), true);
  assert.equal(ok('c', 1, 5, 'rw'), false, 'w on /dev/zero denied by a later rule');
  assert.equal(ok('b', 8, 0, 'r'), true);
  assert.equal(ok('b', 8, 0, 'rw'), false);
  assert.equal(ok('b', 254, 0, 'r'), false);
  assert.equal(ok('b', 254, 0, 'm'), true, 'mknod allowed for all');
});

test('device filter: no unreachable code after an unconditional rule; bad rules are InvalidArgument', () => {
  const f = compileDeviceFilter([{ allow: false, access: 'rwm' }, { allow: true, access: 'rwm' }]);
  assert.equal(f.insnCount, 6 + 2, 'prologue + one unconditional allow');
  assert.throws(() => compileDeviceFilter([{ allow: true, type: 'x' }]), (e) => isBerthError(e, 'InvalidArgument'));
});
