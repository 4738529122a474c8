import { consentScreenInTesting } from '@tether/provider-google';
import { youtube } from './youtube';

/**
 * YouTube for a Google Cloud project whose OAuth consent screen is still in Testing: load it as
 * `@tether/provider-youtube/testing`. Refresh tokens end 7 days after consent, so connections need
 * their owner weekly and Tether reminds them before each end. Publish the consent screen to
 * drop the limit.
 */
export const youtubeInTesting = consentScreenInTesting(youtube);
export default youtubeInTesting;
