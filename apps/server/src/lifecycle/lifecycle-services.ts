import { TokenVault } from '../connections/token-vault';
import { BatchRenewal } from './batch-renewal';
import { CredentialRejections } from '../providers/credential-rejections';
import { GrantLease } from './grant-lease';
import { GrantWork } from './grant-work';
import { HealthChecks } from './health-checks';
import { LifecycleMetrics } from './lifecycle-metrics';
import { NetworkBreakers } from './network-breakers';
import { TokenRenewal } from './token-renewal';
import { VerdictApplier } from './verdict-applier';

/**
 * What renews and checks a grant, with everything it needs beyond the configuration, clock,
 * provider registry, cipher and ORM: the server and the CLI provide the same set, so a command
 * can never miss a dependency a server has.
 */
export const LIFECYCLE_SERVICES = [
  TokenVault,
  CredentialRejections,
  LifecycleMetrics,
  GrantLease,
  NetworkBreakers,
  GrantWork,
  VerdictApplier,
  TokenRenewal,
  BatchRenewal,
  HealthChecks,
];
