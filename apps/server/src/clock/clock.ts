import type { Clock as ClockShape } from '@tether/provider-sdk';

/**
 * The host's one time source. Services inject it (`@Inject(Clock) clock: Clock`) instead of
 * reading the wall clock, providers get it in their runtime, and tests move time with it.
 */
export type Clock = ClockShape;

/** Injection token for the host's {@link Clock}. */
export const Clock = Symbol('Clock');
