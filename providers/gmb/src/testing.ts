import { consentScreenInTesting } from '@tether/provider-google';
import { gmb } from './gmb';

/**
 * Google Business Profile for a Google Cloud project whose OAuth consent screen is still in Testing: load it as
 * `@tether/provider-gmb/testing`. Refresh tokens end 7 days after consent, so connections need
 * their owner weekly and Tether reminds them before each end. Publish the consent screen to
 * drop the limit.
 */
export const gmbInTesting = consentScreenInTesting(gmb);
export default gmbInTesting;
