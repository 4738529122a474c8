import {
  asRecord,
  callNetwork,
  type ClassificationContext,
  type ClassifierVerdict,
  classifyOAuthError,
  clientAuthenticatedRequest,
  type DiscoveredAccount,
  type Discovery,
  type HealthCheckDeclaration,
  type HealthCheckResult,
  type LifetimeDeclaration,
  type Provider,
  type ProviderCallContext,
  type ProviderDeclaration,
  ProviderRequestError,
  type RawResponse,
  readString,
  retryAfterSeconds,
  type TokenSet,
} from '@tether/provider-sdk';

// Everything both LinkedIn entries share: endpoints, scopes, the classifier, the health check
// and account discovery. The two entries differ only in how a connection stays alive, so they
// differ only in `lifetimes`, `refresh` and how an expired access token is read (see `Renewal`).

/** LinkedIn's own page on programmatic refresh tokens: the 60-day and 365-day lifetimes. */
export const PROGRAMMATIC_REFRESH_DOCS =
  'https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens';
/** Token introspection: `status` active, expired or revoked. */
const INTROSPECTION_DOCS =
  'https://learn.microsoft.com/en-us/linkedin/shared/authentication/token-introspection';
// Further sources for what this file assumes:
// - PKCE exists only for native apps with a loopback redirect that LinkedIn enables on request:
//   https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow-native
// - The error envelope `{ message, serviceErrorCode, status }` and the 401/403/429 cases:
//   https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling
// - Which scopes exist and which need an approved product:
//   https://learn.microsoft.com/en-us/linkedin/marketing/increasing-access
// - A refresh token that expired or was revoked answers 400 `invalid_grant` (seen in code):
//   https://nango.dev/blog/linkedin-oauth-refresh-token-invalid-grant
// - Role lookup for organisations (Pages) a member administers:
//   https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-access-control-by-role

const OAUTH = 'https://www.linkedin.com/oauth/v2';
const API = 'https://api.linkedin.com';

/**
 * The Marketing API version sent as `LinkedIn-Version` on `/rest` calls. LinkedIn supports each
 * monthly version for at least a year, then answers 426; the classifier then reports
 * `app_misconfigured` and this package needs a release with a newer version.
 * @see https://learn.microsoft.com/en-us/linkedin/marketing/versioning
 */
const LINKEDIN_VERSION = '202607';

/** Access tokens last 60 days, with or without programmatic refresh. */
export const ACCESS_TOKEN_LIFETIME: LifetimeDeclaration = {
  seconds: 60 * 24 * 3600,
  see: PROGRAMMATIC_REFRESH_DOCS,
};

/** The scopes that let Tether list the organisations a member administers. */
const ORGANIZATION_ADMIN_SCOPES = ['rw_organization_admin', 'r_organization_admin'];

/**
 * How a connection made through this entry is renewed, which decides what an expired access
 * token means. The classifier gets no state, so each entry binds its own answer:
 * - `reauthorize`: no refresh token exists, so an expired token ends the connection until the
 *   member reconnects (`token_expired`).
 * - `refresh_token`: an approved app holds a refresh token, so an expired access token is
 *   routine and Tether renews it (`access_token_expired`).
 */
export type Renewal = 'reauthorize' | 'refresh_token';

/** What both LinkedIn entries declare identically. */
export const linkedinNetwork = {
  id: 'linkedin',
  displayName: 'LinkedIn',
  sdk: '^0.1.0',
  availability: { status: 'available' },
  documentation: 'https://learn.microsoft.com/en-us/linkedin/',
  // A member holds several tokens only while every authorization asks for the same scopes;
  // authorizing with a different set ends the earlier ones.
  // No `afterLapse`: the "reconnect within 30 days or older data is lost" claim has no LinkedIn
  // source (docs/research/network-error-responses.md §5.3), so alerts no longer state it.
  scopeChangeEndsOtherGrants: {
    see: 'https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow',
  },
  oauth: {
    version: '2.0',
    authorizationUrl: `${OAUTH}/authorization`,
    tokenUrl: `${OAUTH}/accessToken`,
    // Seen in many implementations; LinkedIn publishes no page for it.
    revocationUrl: `${OAUTH}/revoke`,
    introspectionUrl: `${OAUTH}/introspectToken`,
    // Web apps send client_id and client_secret in the form body.
    clientAuthentication: 'body',
    // PKCE is offered only to native apps with a loopback redirect, enabled by LinkedIn on
    // request (NATIVE_PKCE_DOCS). Tether is a web app with a secret, so it uses the plain flow.
    pkce: 'unsupported',
  },
  scopes: {
    separator: ' ',
    required: [
      { name: 'openid', purpose: 'Sign in with LinkedIn (OpenID Connect) to identify the member.' },
      {
        name: 'profile',
        purpose: 'Read the member’s id and name to name the connection and run discovery.',
      },
    ],
    optional: [
      { name: 'email', purpose: 'Read the member’s primary email address.' },
      { name: 'w_member_social', purpose: 'Publish posts, comments and reactions as the member.' },
      {
        name: 'r_organization_social',
        purpose: 'Read posts, comments and reactions of the Pages the member administers.',
      },
      {
        name: 'w_organization_social',
        purpose: 'Publish posts, comments and reactions as a Page the member administers.',
      },
      {
        name: 'rw_organization_admin',
        purpose:
          'Find the Pages the member administers and manage them; needed to connect Pages, not only the member.',
      },
      {
        name: 'r_organization_admin',
        purpose:
          'Find the Pages the member administers and read their reporting data, without managing them.',
      },
    ],
  },
} satisfies Pick<
  ProviderDeclaration,
  | 'id'
  | 'displayName'
  | 'sdk'
  | 'availability'
  | 'documentation'
  | 'oauth'
  | 'scopes'
  | 'scopeChangeEndsOtherGrants'
>;

const RECONNECT = 'Reconnect the LinkedIn account in Tether and approve access again.';

const LINKEDIN_APP_REJECTED =
  'LinkedIn rejected the app credentials. An operator must check the Client ID and Client Secret of the LinkedIn app (Developer Portal → Auth) in Tether’s configuration.';

function expiredVerdict(renewal: Renewal): ClassifierVerdict {
  return renewal === 'refresh_token'
    ? { reason: 'access_token_expired' }
    : {
        reason: 'token_expired',
        remedy:
          'LinkedIn access lasts 60 days and this app has no refresh tokens, so it has run out. Reconnect the LinkedIn account in Tether; LinkedIn signs you straight back in if you are still logged in.',
      };
}

/**
 * Reads a LinkedIn error from structured fields only: the HTTP status, the OAuth `error`, the
 * API's `serviceErrorCode` and `code`, and introspection's `active` and `status`.
 */
export function classifyLinkedInError(
  response: RawResponse,
  renewal: Renewal,
  { now }: ClassificationContext,
): ClassifierVerdict {
  const { status, headers } = response;
  const body = asRecord(response.body);
  if (status === 429) {
    // LinkedIn documents no Retry-After; honour one if it ever comes.
    return { reason: 'rate_limited', retryAfterSeconds: retryAfterSeconds(headers, now) };
  }
  if (status === 0 || status >= 500) return { reason: 'provider_unavailable' };
  if (status === 426) {
    return {
      reason: 'app_misconfigured',
      remedy: `LinkedIn retired the API version this package sends (LinkedIn-Version ${LINKEDIN_VERSION}). An operator must update @tether/provider-linkedin to a release that uses a current version.`,
    };
  }

  // The token endpoint's RFC 6749 errors. LinkedIn answers a code that expired, was already
  // used or belongs to another redirect URL with invalid_request.
  if (readString(body, 'error') === 'invalid_request') {
    return {
      reason: 'token_revoked',
      remedy:
        'LinkedIn refused the authorization code: it expired or was already used. Start connecting the LinkedIn account again.',
    };
  }
  const standard = classifyOAuthError(body, {
    invalid_grant:
      'LinkedIn refused the refresh token: it reached the end of its year, counted from the first consent, or was revoked. Reconnect the LinkedIn account in Tether.',
    invalid_client: LINKEDIN_APP_REJECTED,
    unauthorized_client: LINKEDIN_APP_REJECTED,
  });
  if (standard) return standard;
  if (readString(body, 'error') !== undefined) return { reason: 'unknown' };

  // Introspection answers 200 with the token's state; the health check hands that body over.
  const state = readString(body, 'status');
  if (state === 'expired') return expiredVerdict(renewal);
  if (state === 'revoked' || (body?.active === false && state === undefined)) {
    return {
      reason: 'token_revoked',
      remedy:
        'LinkedIn reports the token as revoked: the member removed the app under Settings → Data privacy → Permitted services, or LinkedIn withdrew it. Reconnect the LinkedIn account in Tether.',
    };
  }

  // The API envelope `{ status, serviceErrorCode, code, message }`. The 6560x numbers are seen
  // consistently in code; LinkedIn's error page names the cases but not the numbers.
  switch (body?.serviceErrorCode) {
    case 65600:
      return {
        reason: 'token_revoked',
        remedy: `LinkedIn no longer recognises this connection’s access token. ${RECONNECT}`,
      };
    case 65601:
      return {
        reason: 'token_revoked',
        remedy:
          'The member revoked Tether’s access on LinkedIn (Settings → Data privacy → Permitted services). Reconnect the LinkedIn account in Tether.',
      };
    case 65602:
      return expiredVerdict(renewal);
  }
  if (status === 401) {
    return {
      reason: 'token_revoked',
      remedy: `LinkedIn did not accept the access token. ${RECONNECT}`,
    };
  }
  // LinkedIn answers the same 403 ACCESS_DENIED (serviceErrorCode 100; older envelopes carry only
  // the number) when the app lacks the product or scope for the call and when the member lost
  // their role on the organisation the call named (research §5.1: linkedin-api-js-client#35,
  // linkedin-api-python-client#49, n8n#1714, pipedream#21823). The body cannot tell them apart,
  // so the verdict asks for confirmation: the host runs the organisation's health check
  // (`organizationRoleCheck`), whose answer is decisive — role gone, scope missing, or the app
  // lacking the product — and a check that passes ends nothing.
  if (
    status === 403 &&
    (readString(body, 'code') === 'ACCESS_DENIED' || body?.serviceErrorCode === 100)
  ) {
    return {
      reason: 'role_lost',
      scope: 'account',
      needsConfirmation: true,
      remedy:
        'LinkedIn denied access to the Page. If you no longer hold an admin role on it, ask a Super admin of the Page to give it back (Page admin view → Settings → Manage admins), then reconnect.',
    };
  }

  // The organisation health check's decisive answers (see `organizationRoleCheck`).
  if (status === 200 && Array.isArray(body?.elements)) {
    // The organisation ACL narrowed to the organisation concerned: no approved admin role left.
    return {
      reason: 'role_lost',
      scope: 'account',
      remedy:
        'You no longer hold an admin role on this LinkedIn Page. Ask a Super admin of the Page to give it back (Page admin view → Settings → Manage admins), then reconnect.',
    };
  }
  if (status === 200 && body?.active === true && typeof body.scope === 'string') {
    // An active token, handed over because the organisation ACL could not be read with it.
    const scopes = body.scope.split(/[\s,]+/);
    if (!ORGANIZATION_ADMIN_SCOPES.some((scope) => scopes.includes(scope))) {
      return {
        reason: 'scope_missing',
        remedy:
          'This LinkedIn connection was granted without the permission to manage Pages (rw_organization_admin). Reconnect the LinkedIn account and approve every permission Tether asks for.',
      };
    }
    // The token holds the scope, yet LinkedIn refuses the ACL: the app lost the product.
    return {
      reason: 'app_misconfigured',
      actor: 'operator',
      remedy:
        'LinkedIn refuses the Page calls although the member granted the Page permissions: the LinkedIn app no longer has the Community Management API product. An operator must add it again in the LinkedIn Developer Portal (Products) and wait for LinkedIn’s approval; members need not reconnect.',
    };
  }
  return { reason: 'unknown' };
}

function bearer(tokens: TokenSet): Record<string, string> {
  return { authorization: `Bearer ${tokens.accessToken}`, accept: 'application/json' };
}

function restHeaders(tokens: TokenSet): Record<string, string> {
  return {
    ...bearer(tokens),
    'linkedin-version': LINKEDIN_VERSION,
    'x-restli-protocol-version': '2.0.0',
  };
}

async function introspect(
  provider: Provider,
  tokens: TokenSet,
  context: ProviderCallContext,
): Promise<RawResponse> {
  try {
    return await clientAuthenticatedRequest(provider, context, {
      operation: 'health check',
      url: `${OAUTH}/introspectToken`,
      fields: { token: tokens.accessToken },
    });
  } catch (error) {
    if (error instanceof ProviderRequestError && error.response) return error.response;
    throw error;
  }
}

function isActive(response: RawResponse): boolean {
  const body = asRecord(response.body);
  return (
    response.status === 200 && body?.active === true && readString(body, 'status') !== 'expired'
  );
}

/**
 * The health check: token introspection, which tells expired from revoked without touching the
 * member's rate limits. A once-a-day check is enough for a 60-day token.
 *
 * For an organisation (`account.kind === 'organization'`, run with the member's token: an
 * organisation has none of its own) it then answers what a 403 `ACCESS_DENIED` left open, from
 * LinkedIn's documented responses only (`organizationRoleCheck`).
 */
export function introspectionHealthCheck(provider: () => Provider): HealthCheckDeclaration {
  return {
    intervalSeconds: 24 * 3600,
    description:
      'POST /oauth/v2/introspectToken with the access token; for a Page, then GET /rest/organizationAcls?q=roleAssignee',
    see: INTROSPECTION_DOCS,
    async run(tokens, context, account) {
      const introspection = await introspect(provider(), tokens, context);
      // A role lost on a Page leaves the token active: introspection alone cannot see it.
      if (!isActive(introspection)) return { ok: false, response: introspection };
      if (account?.kind !== 'organization') return { ok: true };
      return organizationRoleCheck(provider(), tokens, context, account.id, introspection);
    },
  };
}

/**
 * Whether the member still holds an admin role on one organisation, with an active token:
 * 1. The token's scopes, as introspection lists them: without `rw_organization_admin` or
 *    `r_organization_admin` the ACL cannot be read, and the grant lacks what Page calls need.
 *    The failure hands the classifier the introspection answer → `scope_missing`.
 * 2. The organisation ACL (`q=roleAssignee`, every page). LinkedIn refusing it although the
 *    token holds the scope means the app lost the Community Management product: the failure
 *    hands over the introspection answer again, whose scopes now say `app_misconfigured`
 *    (the operator's). An outage or rate limit is handed over as it came.
 * 3. No APPROVED admin role on the organisation → the ACL answer narrowed to that organisation
 *    → `role_lost` (account). An approved role passes: the 403 was about something else.
 * @see https://learn.microsoft.com/en-us/linkedin/shared/authentication/token-introspection
 * @see https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-access-control-by-role
 */
async function organizationRoleCheck(
  provider: Provider,
  tokens: TokenSet,
  context: ProviderCallContext,
  organization: string,
  introspection: RawResponse,
): Promise<HealthCheckResult> {
  const scope = readString(asRecord(introspection.body), 'scope');
  const scopes = scope === undefined ? (tokens.grantedScopes ?? []) : scope.split(/[\s,]+/);
  if (!ORGANIZATION_ADMIN_SCOPES.some((held) => scopes.includes(held))) {
    return {
      ok: false,
      response: {
        ...introspection,
        body: { ...asRecord(introspection.body), scope: scopes.join(',') },
      },
    };
  }
  let acls: OrganizationAcl[];
  try {
    acls = await listOrganizationAcls(provider, tokens, context, 'health check');
  } catch (error) {
    if (!(error instanceof ProviderRequestError) || !error.response) throw error;
    const denied = error.response.status === 403;
    return { ok: false, response: denied ? introspection : error.response };
  }
  const held = acls.filter((acl) => acl.organization === organization);
  if (held.some((acl) => acl.state === 'APPROVED' && ADMIN_ROLES.has(String(acl.role))))
    return { ok: true };
  return { ok: false, response: { status: 200, headers: {}, body: { elements: held } } };
}

interface UserInfo {
  sub?: unknown;
  name?: unknown;
}

interface OrganizationAcl {
  organization?: unknown;
  role?: unknown;
  state?: unknown;
}

interface OrganizationAcls {
  elements?: OrganizationAcl[];
  paging?: { start?: unknown; count?: unknown; links?: { rel?: unknown; href?: unknown }[] };
}

/**
 * The roles that make an organisation a Page Tether can manage: `ADMINISTRATOR` (everything;
 * what `rw_organization_admin` requires) and `CONTENT_ADMINISTRATOR` (posts as the Page).
 * Analysts, ads posters and the lead-gen roles are skipped, not failed on.
 */
const ADMIN_ROLES: ReadonlySet<string> = new Set(['ADMINISTRATOR', 'CONTENT_ADMINISTRATOR']);

/**
 * LinkedIn pages lists with `start` and `count` (default 10) and ends a list with a short page
 * or no `next` link; `total` is unreliable on some finders. 100 a page; a runaway list stops at
 * 100 pages.
 * @see https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/pagination
 */
const ACL_PAGE_SIZE = 100;
const MAX_ACL_PAGES = 100;

/**
 * Every approved role the member holds, across every page. Only `APPROVED` roles are asked for:
 * listing a `REVOKED` one has been seen to fail the whole call (pipedream#21823), and a role
 * lost shows as the organisation missing from the approved list.
 */
async function listOrganizationAcls(
  provider: Provider,
  tokens: TokenSet,
  context: ProviderCallContext,
  operation: string,
): Promise<OrganizationAcl[]> {
  const acls: OrganizationAcl[] = [];
  for (let page = 0; page < MAX_ACL_PAGES; page += 1) {
    const url = `${API}/rest/organizationAcls?q=roleAssignee&state=APPROVED&start=${page * ACL_PAGE_SIZE}&count=${ACL_PAGE_SIZE}`;
    const body = (
      await callNetwork(provider, operation, context.runtime, url, { headers: restHeaders(tokens) })
    ).body as OrganizationAcls | null;
    const elements = body?.elements ?? [];
    acls.push(...elements);
    const next = body?.paging?.links?.some((link) => link.rel === 'next');
    if (elements.length < ACL_PAGE_SIZE && !next) break;
    if (elements.length === 0) break;
  }
  return acls;
}

interface OrganizationBatch {
  results?: Record<string, { localizedName?: unknown } | undefined>;
}

const ORGANIZATION_URN = /^urn:li:organization:(\d+)$/;

/** Organisations named per batch lookup; LinkedIn documents no limit, so stay modest. */
const NAME_BATCH = 50;

/**
 * The member (OpenID Connect userinfo) as a `profile` account, plus, when the grant includes an
 * organisation admin scope, every Page the member administers as an `organization` account:
 * the approved admin roles of the organisation ACL, every page of it, and batch lookups for the
 * Pages' names.
 * Account ids are URNs, as LinkedIn's posting APIs take them for `author`.
 */
export async function discoverLinkedInAccounts(
  provider: Provider,
  tokens: TokenSet,
  context: ProviderCallContext,
): Promise<Discovery> {
  const operation = 'account discovery';
  const info = (
    await callNetwork(provider, operation, context.runtime, `${API}/v2/userinfo`, {
      headers: bearer(tokens),
    })
  ).body as UserInfo;
  if (typeof info.sub !== 'string' || info.sub.length === 0) {
    throw new ProviderRequestError(
      provider.id,
      operation,
      provider.classifyError(
        { status: 200, headers: {}, body: info },
        { now: context.runtime.clock.now() },
      ),
      { status: 200, headers: {}, body: info },
    );
  }
  const memberUrn = `urn:li:person:${info.sub}`;
  const memberName = typeof info.name === 'string' && info.name ? info.name : 'LinkedIn member';
  const subject = { id: memberUrn, name: memberName };
  const accounts: DiscoveredAccount[] = [{ id: memberUrn, name: memberName, kind: 'profile' }];

  const granted = tokens.grantedScopes ?? [];
  if (!ORGANIZATION_ADMIN_SCOPES.some((scope) => granted.includes(scope))) {
    return { subject, accounts };
  }
  const acls = await listOrganizationAcls(provider, tokens, context, operation);
  const ids = [
    ...new Set(
      acls
        .filter((acl) => acl.state === 'APPROVED' && ADMIN_ROLES.has(String(acl.role)))
        .map((acl) => (typeof acl.organization === 'string' ? acl.organization : ''))
        .map((urn) => ORGANIZATION_URN.exec(urn)?.[1])
        .filter((id): id is string => id !== undefined),
    ),
  ];
  // Names in batches: Rest.li 2.0 list syntax, the parentheses and commas unencoded.
  const names: NonNullable<OrganizationBatch['results']> = {};
  for (let start = 0; start < ids.length; start += NAME_BATCH) {
    const batch = ids.slice(start, start + NAME_BATCH);
    const body = (
      await callNetwork(
        provider,
        operation,
        context.runtime,
        `${API}/rest/organizations?ids=List(${batch.join(',')})`,
        { headers: restHeaders(tokens) },
      )
    ).body as OrganizationBatch | null;
    Object.assign(names, body?.results ?? {});
  }
  for (const id of ids) {
    const name = names[id]?.localizedName;
    accounts.push({
      id: `urn:li:organization:${id}`,
      name: typeof name === 'string' && name ? name : `LinkedIn Page ${id}`,
      kind: 'organization',
    });
  }
  return { subject, accounts };
}
