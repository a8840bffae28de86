/**
 * Every route module of the Engine API. Each exports `register(router)`; add one line per
 * module (resources as moby's api/server/router/<resource>/).
 */
import type { Router } from '../router.js';

const MODULES: (() => Promise<{ register: (r: Router) => void }>)[] = [
  () => import('./system.js'),
  () => import('./containers.js'),
  () => import('./exec.js'),
  () => import('./images.js'),
  () => import('./build.js'),
  () => import('./networks.js'),
  () => import('./volumes.js'),
  () => import('./events.js'),
];

export async function registerRoutes(router: Router): Promise<void> {
  for (const load of MODULES) (await load()).register(router);
}
