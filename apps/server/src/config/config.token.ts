/** Injection token for the validated {@link TetherConfig}. */
export const TETHER_CONFIG = Symbol('TetherConfig');
