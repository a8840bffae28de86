/** `compose ps` rows: docker compose's columns (NAME IMAGE COMMAND SERVICE CREATED STATUS PORTS). */
import type { ContainerStore } from '../../engine/ContainerStore.js';
import { healthOf } from '../../engine/containerState.js';
import { psRow } from '../../engine/listContainers.js';
import { portsColumn } from '../../engine/network.js';
import type { ProjectContainer } from './projectContainers.js';

export const PS_HEADERS = { Name: 'NAME', Image: 'IMAGE', Command: 'COMMAND', Service: 'SERVICE', RunningFor: 'CREATED', Status: 'STATUS', Ports: 'PORTS' };

export function psRows(store: ContainerStore, cs: ProjectContainer[]): Record<string, unknown>[] {
  return cs.map((c) => {
    const health = c.rec.Config.Healthcheck?.Test ? healthOf(store, c.rec.Id)?.Status : undefined;
    const row = psRow({ rec: c.rec, state: c.state, health }, true);
    return {
      ...row, Name: c.name, Service: c.service, Project: c.rec.Config.Labels['com.docker.compose.project'],
      Ports: portsColumn(store, c.rec, c.state.Running), Health: health ?? '', ExitCode: c.state.ExitCode, Publishers: null,
    };
  });
}
