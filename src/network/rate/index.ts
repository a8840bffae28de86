export { parseRate, burstBytes, egressLimitCommands, clearLimitCommands, containerRatePlan, type TcCommand, type ContainerRateLimits } from './tcRatePlan.js';
