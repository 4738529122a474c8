export { defineProvider, validateProvider, ProviderDefinitionError } from './define-provider';
export type { ProviderValidation } from './define-provider';
export type * from './provider';
export { REASONS, REASON_DESCRIPTIONS, isReason } from './reason';
export type { Reason, ReasonDescription } from './reason';
export { retryAfterSeconds } from './retry-after';
export { systemClock } from './runtime';
export type { Clock, ProviderLogger, ProviderRuntime } from './runtime';
export { SDK_VERSION } from './version';
