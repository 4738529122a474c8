export {
  engineFetch,
  SANDBOX_CLIENT,
  SimulatorEngine,
  simulatorFetch,
  simulatorUrl,
} from './engine';
export type { FailureInjection, RecordedRequest, SimulatorClient } from './engine';
export { REVOCATION_CAUSES } from './model';
export type {
  Grant,
  IssuedToken,
  IssuedTokens,
  NetworkSimulation,
  RevocationCause,
  SimulatedAccount,
  SimulatedPerson,
  SimulatorRequest,
  SimulatorResponse,
  SimulatorRoute,
  TokenEndpointFailure,
  TokenFailure,
} from './model';
export { consentPage } from './consent-page';
export { startSimulator } from './serve';
export type { RunningSimulator } from './serve';
