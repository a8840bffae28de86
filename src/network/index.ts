/** The network layer: what the engine and the CLI call. */
export { NetworkStore, DEFAULT_NETWORK, DEFAULT_BRIDGE, type CreateOptions } from './NetworkStore.js';
export { attachContainer, detachContainer, hostIfnameFor, type AttachOptions, type DetachOptions } from './attach.js';
export { createNetwork, removeNetwork, pruneNetworks, ensureDefaultNetwork, ensureNetworkUp, type NetworkExtras } from './lifecycle.js';
export { reconcile, type ReconcileReport } from './reconcile.js';
export { parsePublish, publishAll, assignHostPorts, formatPort, type PortSpec } from './ports.js';
export { parseNetworkMode, needsOwnNetns, publishAllowed, type NetworkMode } from './modes.js';
export { applyDnsFlags, hostsFile, hostnameFile, resolvConfFile, parseResolvConf } from './etcFiles.js';
export { hostModeFiles } from './hostMode.js';
export type { AttachResult, Endpoint, NetworkState, PortMapping, Protocol } from './types.js';
export { parseNetworkRate, type RateSpec } from './rateFlag.js';
export { connectContainer, disconnectContainer, validateNetworkRequest, type ContainerNetworkRequest } from './forContainer.js';
export { orphanedNetworks, sweepOrphanedNetworks, type OrphanedNetwork } from './orphans.js';
