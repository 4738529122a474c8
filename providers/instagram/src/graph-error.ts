import type { ClassificationContext, ClassifierVerdict, RawResponse } from '@tether/provider-sdk';
import { classifyGraphError, type GraphProduct } from '@tether/provider-meta';

const RECONNECT = 'reconnect the Instagram account in Tether';

/**
 * How Graph errors read to an Instagram account owner, for both Instagram products: the
 * Instagram API with Instagram Login (graph.instagram.com) and with Facebook Login
 * (graph.facebook.com) answer with the same envelope and codes.
 * @see https://developers.facebook.com/docs/graph-api/guides/error-handling
 */
const product: GraphProduct = {
  remedies: {
    appRemoved: `The app was removed from the account's permitted apps (Apps and websites in the Instagram or Facebook settings). Allow it again: ${RECONNECT}.`,
    checkpoint: `Meta locked the account until a security check is done. Log in to Instagram or Facebook, complete the check it shows, then ${RECONNECT}.`,
    passwordChanged: `The password was changed, which signed Tether out. Log in with the new password and ${RECONNECT}.`,
    loginExpired: `The Instagram login behind this connection ran out (it lasts 60 days and cannot be renewed once lapsed). Please ${RECONNECT}.`,
    unconfirmed: `Meta has not confirmed this account yet. Confirm its email address or phone number, then ${RECONNECT}.`,
    loginRejected: `Meta no longer accepts the login behind this connection. Please ${RECONNECT}.`,
    loginEnded: `Meta ended the login behind this connection. Please ${RECONNECT}.`,
    roleLost:
      'The person who connected this account no longer has a role on the Facebook Page the Instagram account is linked to. Ask a Page admin to give them access to the Page again, then reconnect the Instagram account in Tether.',
    sessionEnded: `The session behind this connection ended. Please ${RECONNECT}.`,
    scopeMissing: `A permission Tether needs was declined or removed. Please ${RECONNECT} and keep every permission it asks for switched on.`,
    appMisconfigured:
      'Meta rejected the app itself. An operator must check the app ID, app secret and redirect URL of the Meta app against Tether’s configuration.',
    appCapability:
      'Meta says the app lacks the capability for this call. An operator must add the product or get the permission or feature approved for the Meta app (App Dashboard, App Review, Advanced Access); reconnecting the Instagram account does not help.',
    codeSpent: 'The authorization code expired or was already used. Start connecting again.',
    publishingAuthorization:
      'Facebook requires Page Publishing Authorization for the linked Page. Complete it in the Page’s settings on Facebook, then reconnect the Instagram account in Tether.',
    postingTooFast: 'Meta says posts are going out too fast; Tether waits and retries.',
    linkUnreachable:
      'Meta could not fetch the link in the post. Check that it opens publicly, then try again.',
    policyBlock:
      'Meta temporarily blocked this account from the action, for going against its policies or acting too fast. The block lifts by itself: Tether waits a day before trying again, and the connection stays. Check Account Status in the Instagram app to see why and to appeal if it was a mistake.',
    identityConfirmation: `Meta asks the person who connected this account to confirm their identity before publishing. Complete the confirmation the Instagram or Facebook app shows, then ${RECONNECT}.`,
    duplicatePost: 'Meta refused a duplicate post. Change the post before publishing it again.',
    objectUnavailable:
      'Meta could not reach the media, comment or object the call named: it was deleted, is not visible to this account, or does not support the operation. The connection itself is fine.',
  },
  // Instagram's 2207042 [C]. (100/33 concerns one object; the shared classifier reads it.)
  subcodes: {
    // The posts-per-day limit is the one Instagram account's.
    2207042: {
      reason: 'rate_limited',
      scope: 'account',
      remedy:
        'The account reached Instagram’s limit of posts per 24 hours; Tether retries once it resets.',
    },
  },
};

/**
 * Maps a Graph response to a reason from structured fields only: HTTP status, `error.code`,
 * `error.error_subcode` and the usage headers. Never reads the message.
 */
export function classifyInstagramGraphError(
  response: RawResponse,
  context: ClassificationContext,
): ClassifierVerdict {
  return classifyGraphError(response, product, context);
}
