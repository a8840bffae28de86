/** `/_ping`, `/version`, `/info`, `/auth`: what a client asks before anything else. */
import os from 'node:os';
import { BERTH_VERSION, systemInfo } from '../../engine/info.js';
import type { Exchange } from '../exchange.js';
import type { Router } from '../router.js';
import { API_VERSION, MIN_API_VERSION } from '../version.js';

/** dockerd's ping headers: the client negotiates its version from Api-Version. */
function pingHeaders(): Record<string, string> {
  return {
    'Api-Version': API_VERSION, Ostype: 'linux', 'Builder-Version': '1', 'Docker-Experimental': 'false', Swarm: 'inactive',
    'Cache-Control': 'no-cache, no-store, must-revalidate', Pragma: 'no-cache', Server: `berth/${BERTH_VERSION}`,
  };
}

function ping(x: Exchange): void {
  x.send(200, 'OK', { 'Content-Type': 'text/plain; charset=utf-8', ...pingHeaders() });
}

const goArch = () => (os.arch() === 'x64' ? 'amd64' : os.arch());

function version(x: Exchange): void {
  const details = { ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, Arch: goArch(), Os: 'linux', KernelVersion: os.release(), NodeVersion: process.version, Experimental: 'false', GitCommit: 'berth', GoVersion: process.version, BuildTime: '' };
  x.sendJson(200, {
    Platform: { Name: `berth ${BERTH_VERSION}` },
    Components: [{ Name: 'Engine', Version: BERTH_VERSION, Details: details }],
    Version: BERTH_VERSION, ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, GitCommit: 'berth', GoVersion: process.version,
    Os: 'linux', Arch: goArch(), KernelVersion: os.release(), BuildTime: '',
  }, { 'Api-Version': API_VERSION });
}

/** Docker's /info: the engine's own facts, plus the fields clients read without checking (swarm, plugins). */
function info(x: Exchange): void {
  const i = systemInfo(x.ctx.store);
  x.sendJson(200, {
    ...i,
    Architecture: goArch(),
    Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'none'], Authorization: null, Log: ['json-file', 'local', 'none'] },
    MemoryLimit: true, SwapLimit: true, CpuCfsPeriod: true, CpuCfsQuota: true, CPUShares: true, CPUSet: true, PidsLimit: true,
    IPv4Forwarding: true, Debug: x.ctx.debug, NFd: 0, NGoroutines: 0, SystemTime: new Date().toISOString(), NEventsListener: 0,
    OperatingSystem: i.OperatingSystem, OSVersion: '', IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: { InsecureRegistryCIDRs: ['127.0.0.0/8'], IndexConfigs: {}, Mirrors: [] },
    HttpProxy: '', HttpsProxy: '', NoProxy: '', Labels: [], ExperimentalBuild: false, LiveRestoreEnabled: true, Isolation: '', InitBinary: 'berth-helper',
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    ContainerdCommit: { ID: '' }, RuncCommit: { ID: '' }, InitCommit: { ID: '' }, DriverStatus: [], Warnings: [],
  });
}

/**
 * `/auth` (docker login): the credentials are checked against the registry as `berth login`
 * checks them (nothing is stored server-side: the client keeps them, as with dockerd).
 */
async function auth(x: Exchange): Promise<void> {
  const body = await x.json<{ username?: string; password?: string; serveraddress?: string }>();
  if (!body?.username || !body.password) return x.sendJson(400, { message: 'a username and a password are required' });
  const [{ serverName }, { toRemote }, { RegistryClient }] = await Promise.all([import('../../cli/image/login.js'), import('../../registry/reference.js'), import('../../registry/client.js')]);
  const domain = serverName(body.serveraddress);
  const host = toRemote({ repository: `${domain}/x` }).host;
  await new RegistryClient(host, domain, { credentials: { username: body.username, password: body.password } }).checkLogin();
  x.sendJson(200, { Status: 'Login Succeeded', IdentityToken: '' });
}

export function register(r: Router): void {
  r.add('GET', '/_ping', ping);
  r.add('HEAD', '/_ping', ping);
  r.add('GET', '/version', version);
  r.add('GET', '/info', info);
  r.add('POST', '/auth', auth);
}
