#!/usr/bin/env node
// The CLI is bundled (dist/cli, by esbuild) so a command loads a few files, not hundreds.
// After a bare `tsc` (dist newer than the bundle) the unbundled output is used instead.
import fs from 'node:fs';

const dist = new URL('../dist/', import.meta.url);
const mtime = (p) => { try { return fs.statSync(new URL(p, dist)).mtimeMs; } catch { return 0; } };
const entry = mtime('cli/main.js') >= mtime('.tsbuildinfo') ? '../dist/cli/main.js' : '../dist/src/cli/main.js';
const { main } = await import(entry);
const args = process.argv.slice(2);
main(args[0] === '--' ? args.slice(1) : args);
