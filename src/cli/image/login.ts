import type { Command } from 'commander';
import { invalidArgument } from '../../errors.js';
import { RegistryClient } from '../../registry/client.js';
import { configFile, eraseCredentials, storeCredentials } from '../../registry/config.js';
import { DOCKER_HUB, toRemote } from '../../registry/reference.js';
import { exitOneOnError } from './pull.js';

/** `SERVER` as users type it (`https://host:5000/`, `index.docker.io`) → the registry's name. */
export function serverName(s: string | undefined): string {
  if (!s) return DOCKER_HUB;
  const h = s.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (!h || /[^A-Za-z0-9.:[\]-]/.test(h)) throw invalidArgument(`invalid registry name ${JSON.stringify(s)}`, { exitCode: 1 });
  return ['docker.io', 'index.docker.io', 'registry-1.docker.io'].includes(h) ? DOCKER_HUB : h;
}

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of process.stdin) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8').replace(/\r?\n$/, '');
}

interface LoginFlags {
  username?: string;
  password?: string;
  passwordStdin?: boolean;
}

/** `login [-u USER] [-p PASS | --password-stdin] [SERVER]`: checked against the registry, then stored. */
export function addLoginCommand(parent: Command, name: string): Command {
  return parent
    .command(name)
    .description('Log in to a registry')
    .argument('[server]', 'SERVER (default Docker Hub)')
    .option('-u, --username <username>', 'Username')
    .option('-p, --password <password>', 'Password')
    .option('--password-stdin', 'Take the password from stdin')
    .action((server: string | undefined, o: LoginFlags) =>
      exitOneOnError(async () => {
        if (o.password !== undefined) process.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
        if (o.passwordStdin && o.password !== undefined) throw invalidArgument('--password and --password-stdin are mutually exclusive', { exitCode: 1 });
        if (o.passwordStdin && !o.username) throw invalidArgument('Must provide --username with --password-stdin', { exitCode: 1 });
        const password = o.passwordStdin ? await readStdin() : o.password;
        if (!o.username || password === undefined) throw invalidArgument('Cannot perform an interactive login from a non TTY device', { exitCode: 1, hint: 'give -u and --password-stdin' });
        if (!password) throw invalidArgument('password is empty', { exitCode: 1 });
        const domain = serverName(server);
        const host = toRemote({ repository: `${domain}/x` }).host;
        const creds = { username: o.username, password };
        await new RegistryClient(host, domain, { credentials: creds }).checkLogin();
        if (!storeCredentials(domain, creds)) process.stderr.write(`WARNING! Your credentials are stored unencrypted in '${configFile()}'.\n`);
        process.stdout.write('Login Succeeded\n');
      }),
    );
}

/** `logout [SERVER]`. */
export function addLogoutCommand(parent: Command, name: string): Command {
  return parent
    .command(name)
    .description('Log out from a registry')
    .argument('[server]', 'SERVER (default Docker Hub)')
    .action((server: string | undefined) =>
      exitOneOnError(async () => {
        const domain = serverName(server);
        if (eraseCredentials(domain)) process.stdout.write(`Removing login credentials for ${domain}\n`);
        else process.stdout.write(`Not logged in to ${domain}\n`);
      }),
    );
}
