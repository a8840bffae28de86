import { invalidArgument } from '../errors.js';

/** dockerd's linuxMinMemory. */
export const MIN_MEMORY = 6 * 1024 * 1024;

/**
 * dockerd's checks of a memory limit and its swap (verifyPlatformContainerResources), for
 * create/run and update alike: `memory` and `memorySwap` are the values the container will
 * have (0: unset; swap -1: unlimited). An update may leave the limit unset and change the
 * swap alone, so only create asks for a limit with a swap.
 */
export function checkMemoryLimits(memory: number, memorySwap: number, o: { update?: boolean } = {}): void {
  if (memory !== 0 && memory < MIN_MEMORY) throw invalidArgument('Minimum memory limit allowed is 6MB');
  if (memory > 0 && memorySwap > 0 && memorySwap < memory) throw invalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage.');
  if (!o.update && memory === 0 && memorySwap > 0) throw invalidArgument('You should always set the Memory limit when using Memoryswap limit, see usage.');
}
