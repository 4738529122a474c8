import type { ErrorClassification } from '@tether/provider-sdk';

/** A refresh or check that could not be done, with the network's verdict (already applied). */
export class LifecycleFailure extends Error {
  readonly code = 'LIFECYCLE_FAILURE';

  constructor(readonly classification: ErrorClassification) {
    super(classification.reason);
    this.name = 'LifecycleFailure';
  }
}
