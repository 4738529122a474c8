/*
 * What the Meta providers' simulators share. It needs `@tether/provider-testkit`, which the main
 * entry point does not.
 */
export { facebookGraphSimulation } from './facebook-graph-simulation';
export { FACEBOOK_LOGIN_FACTS } from './facebook-login-facts';
export type { FacebookGraphSimulationOptions } from './facebook-graph-simulation';
export {
  COMMON_CAUSE_FAULTS,
  faultFor,
  graphFaultResponse,
  INVALID_TOKEN,
  serviceError,
  throttled,
} from './graph-fault';
export type { BusinessUseCase, GraphFault } from './graph-fault';
export { graphTokenBody } from './graph-token-body';
