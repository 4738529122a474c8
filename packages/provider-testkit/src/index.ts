export { describeProviderConformance } from './conformance';
export type { ConformanceOptions, RecordedResponse } from './conformance';
export { default as fixtureProvider } from './fixture-provider';
