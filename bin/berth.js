// berth's CLI in Node: `node bin/berth.js [--] ARGS` (bin/berth runs it through berth-launch).
// Start-up is most of a short command's time, so the CLI is one CommonJS bundle
// (dist/cli/berth.cjs, made by esbuild) compiled through V8's code cache: the first run of
// a verb saves the compiled code next to the bundle (dist/cli/cache/), later runs skip the
// parsing and compiling. After a bare `tsc` (dist newer than the bundle) the unbundled
// output (dist/src) is used instead, so development never runs a stale bundle.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');
const bundle = path.join(dist, 'cli', 'berth.cjs');
const args = process.argv.slice(2);
if (args[0] === '--') args.shift();

function stat(p) {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

/** The global flags before the verb, and the verb: the first word that is not an option. */
function splitGlobal(argv) {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--root') i++;
    else if (!argv[i].startsWith('-')) return { flags: argv.slice(0, i), verb: argv[i] };
  }
  return { flags: argv, verb: undefined };
}

/** Which verb's compiled code to cache. */
function verbOf(argv) {
  const { verb } = splitGlobal(argv);
  if (verb === undefined) return 'help';
  return /^[a-z]{1,20}$/.test(verb) ? verb : 'other';
}

/**
 * The CLI could not start (its code fails to load, or throws before it reports errors itself):
 * one line, exit 1; the stack with -D/--debug before the verb or BERTH_DEBUG (as src/cli/main.ts).
 */
function startupFailed(e) {
  const { flags } = splitGlobal(args);
  const debug = (process.env.BERTH_DEBUG && process.env.BERTH_DEBUG !== '0') || flags.includes('-D') || flags.includes('--debug');
  const message = String((e && e.message) || e).split('\n')[0];
  process.stderr.write(`berth: ${message}\n`);
  if (debug && e && e.stack) process.stderr.write(`${e.stack}\n`);
  process.exitCode = 1;
}

/**
 * Load the bundle with V8's code cache. V8 checks a cache against the source's length only,
 * so the cache's name carries the bundle's size and mtime: a rebuilt bundle never meets an
 * old cache. A missing or rejected cache is written after the command ran (so it holds the
 * functions that command compiled), and rewritten after its 2nd, 4th and 8th use (a verb takes
 * several paths, e.g. `run` with and without a network: the cache grows to their union);
 * failures to write it are ignored (read-only install).
 */
function loadBundle(st) {
  const vm = require('node:vm');
  const dir = path.join(dist, 'cli', 'cache');
  const prefix = `${st.size}-${Math.floor(st.mtimeMs)}-`;
  const cacheFile = path.join(dir, `${prefix}${verbOf(args)}.cache`);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {}
  const source = fs.readFileSync(bundle, 'utf8');
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  let uses = 0;
  try {
    uses = Number(fs.readFileSync(`${cacheFile}.uses`, 'utf8')) || 0;
  } catch {}
  const refresh = !cachedData || script.cachedDataRejected || uses === 1 || uses === 3 || uses === 7;
  if (cachedData && uses < 8) {
    try {
      fs.writeFileSync(`${cacheFile}.uses`, String(uses + 1));
    } catch {}
  }
  if (refresh) {
    process.once('exit', () => {
      try {
        const data = script.createCachedData();
        fs.mkdirSync(dir, { recursive: true });
        for (const f of fs.readdirSync(dir)) if (!f.startsWith(prefix)) fs.rmSync(path.join(dir, f), { force: true });
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, data);
        fs.renameSync(tmp, cacheFile);
      } catch {}
    });
  }
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, require, mod, bundle, path.dirname(bundle));
  return mod.exports;
}

const st = stat(bundle);
const built = stat(path.join(dist, '.tsbuildinfo'));
const useBundle = st && (!built || st.mtimeMs >= built.mtimeMs);
// What the accelerator compares before each command: a rebuilt CLI makes it step down.
const stamp = () => {
  const s = stat(useBundle ? bundle : path.join(dist, '.tsbuildinfo'));
  return s ? `${s.size}-${s.mtimeMs}` : 'gone';
};
// Loading the bundle can throw synchronously: inside the promise, so that the catch sees it.
Promise.resolve()
  .then(() => (useBundle ? loadBundle(st) : import('../dist/src/cli/main.js')))
  .then((m) => (args[0] === '--accel-worker' ? m.accelerator(stamp) : m.main(args)))
  .catch(startupFailed);
