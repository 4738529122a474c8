// ESM so the conformance suite imports vitest natively in any provider's test run.
export { describeProviderConformance } from './conformance.mjs';
export type {
  ConformanceHarness,
  ConformanceOptions,
  RecordedResponse,
} from './conformance-options.js';
export { compareWithFacts } from './fact-agreement.js';
export type { FactDisagreement } from './fact-agreement.js';
export { fixtureProvider } from './fixture-provider.js';
export { simulation as fixtureSimulation } from './fixture-simulation.js';
// What a conformance test needs beside the suite, so a provider's tests import one package.
export { SANDBOX_CLIENT, simulatorUrl, startSimulator } from '@tether/simulator';
export type {
  NetworkFacts,
  NetworkSimulation,
  RevocationCause,
  RunningSimulator,
} from '@tether/simulator';
