// ESM so the conformance suite imports vitest natively in any provider's test run.
export { describeProviderConformance } from './conformance.mjs';
export type { ConformanceHarness, ConformanceOptions, RecordedResponse } from './conformance.mjs';
export { fixtureProvider } from './fixture-provider.js';
export { simulation as fixtureSimulation } from './fixture-simulation.js';
