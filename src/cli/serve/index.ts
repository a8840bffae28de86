/**
 * `berth serve` (alias `berth system service`): the Docker Engine API on a unix socket,
 * so the docker CLI, dockerode and compose drive berth (src/api). It runs in the
 * foreground until SIGTERM/SIGINT; containers it started keep running after it.
 * Never warm (src/cli/accelerator/warmable.ts): it is long-lived and owns its signals.
 */
import type { Command } from 'commander';
import { globalRoot } from '../globals.js';

const collect = (v: string, prev: string[]): string[] => [...prev, v];

interface ServeFlags { host: string[]; logLevel?: string; pidfile?: string; tlsverify?: boolean; tlscacert?: string; tlscert?: string; tlskey?: string }

function addServe(parent: Command, name: string): void {
  parent.command(name).description('Serve the Docker Engine API (DOCKER_HOST=unix:///run/berth/berth.sock)')
    .option('-H, --host <address>', 'unix:///path or tcp://HOST:PORT (TLS only; repeatable)', collect, [])
    .option('-l, --log-level <level>', 'info or debug (debug logs one line per request)', 'info')
    .option('-p, --pidfile <path>', 'where to write the pid (default beside the first socket)')
    .option('--tlsverify', 'require client certificates signed by --tlscacert')
    .option('--tlscacert <file>', 'CA that signs client certificates')
    .option('--tlscert <file>', 'server certificate')
    .option('--tlskey <file>', 'server key')
    .action(async (o: ServeFlags, cmd: Command) => {
      const { serve } = await import('../../api/server.js');
      const ac = new AbortController();
      const stop = () => ac.abort();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      try {
        await serve({
          root: globalRoot(cmd), hosts: o.host, logLevel: o.logLevel, pidFile: o.pidfile, signal: ac.signal,
          tls: { verify: o.tlsverify, ca: o.tlscacert, cert: o.tlscert, key: o.tlskey },
          headersTimeoutMs: process.env.BERTH_API_HEADERS_TIMEOUT_MS ? Number(process.env.BERTH_API_HEADERS_TIMEOUT_MS) : undefined,
          onListening: (a) => process.stderr.write(`berth: API listening on ${a.join(', ')}\n`),
        });
      } finally {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
      }
      process.stderr.write('berth: API server stopped\n');
      // Streams still open (a `wait` on a running container) hold no state worth waiting for.
      setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
    });
}

export function registerServeCommands(program: Command): void {
  addServe(program, 'serve');
  const system = program.commands.find((c) => c.name() === 'system') ?? program.command('system').description('Manage berth');
  addServe(system, 'service');
}
