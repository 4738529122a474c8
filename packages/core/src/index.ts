// @tether/core: the domain rules every part of the host applies the same way.
export * from './status-machine';
export * from './lifecycle-policy';
export * from './verdict';
export * from './reported-error';
export * from './expiry';
export { durationSeconds, parseDurations, SCHEDULE_RULES } from './durations';
export { followUpStep, reminderStep } from './reminder-steps';
export * from './credentials';
export * from './refused-refresh';
export * from './network-breaker';
export { defaultConnectionNames } from './connection-names';
export { DEFAULT_IN_FLIGHT, InFlightLimit, remainingCalls } from './in-flight-limit';
export type { InFlightBounds, NetworkAnswer } from './in-flight-limit';
