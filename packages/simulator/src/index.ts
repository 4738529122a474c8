/*
 * The simulator engine: a stand-in for a network's OAuth authorization server and API, driven by
 * the network's own `NetworkSimulation` and its sourced facts table, with a control API and two
 * transports (HTTP and an in-process fetch).
 */
export { SANDBOX_CLIENT, SimulatorEngine } from './engine';
export type { FailureInjection, RecordedRequest, SimulatorClient } from './engine';
export { AuthorizationServer } from './authorization-server';
export { control } from './control-api';
export { CONTROL_OPERATIONS } from './control-schemas';
export type { ControlOperation } from './control-schemas';
export { dispatch, engineFetch, nodeHandler, simulatorFetch, simulatorUrl } from './transport';
export { REVOCATION_CAUSES } from './model';
export type {
  Grant,
  IssuedToken,
  IssuedTokens,
  NetworkFact,
  NetworkFacts,
  NetworkRenewal,
  NetworkSimulation,
  RateLimitWait,
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
