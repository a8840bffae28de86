/** berth-runtime's version (`--version`, `features`). */
export const RUNTIME_VERSION = '0.1.0';
