import {
  AccountNotSupportedError,
  asRecord,
  defineProvider,
  type DiscoveredAccount,
  type HealthCheckResult,
  type ProviderCallContext,
  readText,
  type TokenSet,
} from '@tether/provider-sdk';
import {
  classifyGoogleError,
  fetchTokenInfo,
  googleGet,
  googleLifetimes,
  googleOAuth,
  type GoogleProduct,
  googleRefresh,
  probe,
  revokeGoogleGrant,
} from '@tether/provider-google';

/** @see ../README.md and shared reference §8: Google Business Profile APIs */
const ACCOUNTS_LIST =
  'https://developers.google.com/my-business/reference/accountmanagement/rest/v1/accounts/list';

/** Lists the accounts (personal and location groups) the person has a role on. */
export const ACCOUNTS_URL = 'https://mybusinessaccountmanagement.googleapis.com/v1/accounts';
/** Lists an account's locations: `${BUSINESS_INFORMATION_URL}/{account}/locations`. */
export const BUSINESS_INFORMATION_URL = 'https://mybusinessbusinessinformation.googleapis.com/v1';
/** The one scope every Business Profile API call needs. */
export const BUSINESS_MANAGE = 'https://www.googleapis.com/auth/business.manage';

// Google caps accounts.list at 20 per page and locations.list at 100. A runaway nextPageToken
// must not keep discovery looping, so paging stops after this many pages.
const MAX_PAGES = 50;

const product: GoogleProduct = {
  name: 'Google Business Profile',
  apis: 'My Business Account Management API and My Business Business Information API',
  permissionDeniedRemedy:
    'The Google account no longer has an owner or manager role on this Business Profile. Ask an owner of the profile to add it again under People and access, then reconnect.',
  classify(error) {
    // A quota limit of 0 is not traffic: Google gives every project 0 requests per minute until
    // it approves the project for the Business Profile APIs. Waiting never ends it; the operator
    // must ask Google for access, so it is the operator's problem, not a rate limit.
    // @see https://developers.google.com/my-business/content/prereqs
    if (error.quotaLimitValue === '0') {
      return {
        reason: 'app_misconfigured',
        actor: 'operator',
        remedy:
          'Google has not approved this Google Cloud project for the Business Profile APIs, so its quota is 0 requests per minute. An operator must request access through Google’s Business Profile API contact form (Google asks for a verified profile active for over 60 days and a website); connections work once Google approves the project.',
      };
    }
    return undefined;
  },
  rateLimitRemedy() {
    return 'The Google Cloud project used up its Business Profile API quota for the minute; Tether waits and retries.';
  },
};

function fieldsOf(body: unknown): Record<string, unknown> {
  return asRecord(body) ?? {};
}

/** Reads every page of a Google list call: `{ [key]: [...], nextPageToken }`. */
async function listAll(
  first: URL,
  key: string,
  tokens: TokenSet,
  context: ProviderCallContext,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const url = new URL(first);
    if (pageToken) url.searchParams.set('pageToken', pageToken);
    const body = fieldsOf((await googleGet(gmb, 'account discovery', url, tokens, context)).body);
    const found = body[key];
    if (Array.isArray(found)) items.push(...found.map(fieldsOf));
    pageToken = readText(body, 'nextPageToken');
    if (!pageToken) break;
  }
  return items;
}

export const gmb = defineProvider({
  id: 'gmb',
  displayName: 'Google Business Profile',
  sdk: '^0.1.0',
  // Open to any operator, but Google must first approve the Cloud project for the Business
  // Profile APIs (until then its quota is 0).
  // @see https://developers.google.com/my-business/content/prereqs
  availability: { status: 'available' },
  documentation: 'https://developers.google.com/my-business',
  oauth: googleOAuth,
  scopes: {
    separator: ' ',
    required: [
      {
        name: BUSINESS_MANAGE,
        purpose:
          'List the Business Profile locations the person manages, and post, answer reviews and read insights for them.',
      },
      { name: 'openid', purpose: 'Identify the Google account that authorized by its stable id.' },
      // Google answers `email` and `profile` with these full names in token responses, so the
      // declaration asks for them by these names: that way the granted list matches.
      {
        name: 'https://www.googleapis.com/auth/userinfo.email',
        purpose:
          'Name the connection by the authorizing account’s address; lets Google report security events for it.',
      },
      {
        name: 'https://www.googleapis.com/auth/userinfo.profile',
        purpose: 'Show who authorized the connection; lets Google report security events for it.',
      },
    ],
    optional: [],
  },
  lifetimes: googleLifetimes,
  refresh: googleRefresh,
  healthCheck: {
    intervalSeconds: 6 * 3600,
    description: 'GET mybusinessaccountmanagement.googleapis.com/v1/accounts?pageSize=1',
    see: ACCOUNTS_LIST,
    run(tokens, context): Promise<HealthCheckResult> {
      // The accounts call proves the token, the business.manage scope and the project's API
      // access at once; tokeninfo would prove only the token.
      const url = new URL(ACCOUNTS_URL);
      url.searchParams.set('pageSize', '1');
      return probe(() => googleGet(gmb, 'health check', url, tokens, context));
    },
  },
  classifyError: (response, context) => classifyGoogleError(response, product, context),
  async discoverAccounts(tokens, context) {
    const info = await fetchTokenInfo(gmb, tokens, context);
    const accountsUrl = new URL(ACCOUNTS_URL);
    accountsUrl.searchParams.set('pageSize', '20');
    const accounts = await listAll(accountsUrl, 'accounts', tokens, context);
    const locations = new Map<string, DiscoveredAccount>();
    for (const account of accounts) {
      const accountName = readText(account, 'name');
      if (!accountName) continue;
      const url = new URL(`${BUSINESS_INFORMATION_URL}/${accountName}/locations`);
      url.searchParams.set('readMask', 'name,title');
      url.searchParams.set('pageSize', '100');
      // A location shared with several of the person's accounts is listed under each.
      for (const location of await listAll(url, 'locations', tokens, context)) {
        const id = readText(location, 'name');
        if (id && !locations.has(id))
          locations.set(id, { id, name: readText(location, 'title') ?? id, kind: 'location' });
      }
    }
    const personal = accounts.find((account) => account.type === 'PERSONAL');
    const who = info.email ?? readText(personal, 'accountName') ?? 'This Google account';
    if (locations.size === 0) {
      throw new AccountNotSupportedError(
        'gmb',
        `${who} manages no Google Business Profile location. Ask an owner of the business's profile to add this Google account as an owner or manager under People and access, or connect with the Google account that manages the profile.`,
      );
    }
    return {
      subject: { id: info.sub ?? readText(personal, 'name') ?? who, name: who },
      accounts: [...locations.values()],
    };
  },
  revokeToken: (tokens, context): Promise<void> => revokeGoogleGrant(gmb, tokens, context),
});

export default gmb;
