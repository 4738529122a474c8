import {
  buildAuthorizationUrl,
  exchangeAuthorizationCode,
  type Provider,
  ProviderRequestError,
  renewTokens,
  type TokenSet,
} from '@tether/provider-sdk';
import { type ConformanceHarness, describeProviderConformance } from '@tether/provider-testkit';
import { SANDBOX_CLIENT, startSimulator } from '@tether/simulator';
import { expect, it } from 'vitest';
import { linkedin } from './linkedin.js';
import { LINKEDIN_FACTS } from './network-facts.js';
import { linkedinRecordedResponses } from './recorded-responses.test-data.mjs';
import { linkedinSimulation, simulation } from './simulator.js';

const REDIRECT_URI = 'http://127.0.0.1:9/oauth/linkedin/callback';
const DAY = 24 * 3600;
const PAGE_SCOPES = ['openid', 'profile', 'w_organization_social', 'rw_organization_admin'];

/** Connects with scopes beyond the required ones, which the harness's `authorize` never asks for. */
async function connect(
  harness: ConformanceHarness,
  provider: Provider,
  scopes: readonly string[],
  person?: string,
): Promise<TokenSet> {
  const url = buildAuthorizationUrl(provider, {
    clientId: SANDBOX_CLIENT.clientId,
    redirectUri: REDIRECT_URI,
    state: 'state',
    scopes,
  });
  const back = await harness.simulator().consent(url, person === undefined ? {} : { person });
  return exchangeAuthorizationCode(provider, harness.context(), {
    code: back.searchParams.get('code')!,
    redirectUri: REDIRECT_URI,
  });
}

async function failure(work: Promise<unknown>): Promise<ProviderRequestError> {
  const error: unknown = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ProviderRequestError);
  return error as ProviderRequestError;
}

describeProviderConformance({
  provider: linkedin,
  simulation,
  recordedResponses: linkedinRecordedResponses('reauthorize'),
  // LinkedIn reports every end of a member's grant as a revocation (65601, introspection
  // `revoked`). A lost Page role is not among them: the token stays valid (tested below).
  revocations: {
    revoked: 'token_revoked',
    app_removed: 'token_revoked',
    password_changed: 'token_revoked',
    scope_removed: 'token_revoked',
    checkpoint: 'token_revoked',
    unconfirmed: 'token_revoked',
    restricted: 'token_revoked',
  },
  additionalTests: (harness) => {
    it('issues no refresh token: the 60-day access token is all the app gets', async () => {
      const started = harness.simulator().engine.now();
      const tokens = await harness.authorize();
      expect(tokens.refreshToken).toBeUndefined();
      expect(tokens.refreshTokenExpiresAt).toBeUndefined();
      expect(
        Math.abs(tokens.accessTokenExpiresAt!.getTime() - (started + 60 * DAY * 1000)),
      ).toBeLessThan(60_000);
      expect(linkedin.refresh.kind).toBe('reauthorize');
      await expect(renewTokens(linkedin, harness.context(), tokens)).rejects.toThrow(TypeError);
    });

    it('reports token_expired once the 60 days are over, so the member is asked to reconnect', async () => {
      const tokens = await harness.authorize();
      await harness.simulator().control('POST', 'clock', { advanceSeconds: 60 * DAY + 60 });
      const result = await linkedin.healthCheck!.run(tokens, harness.context());
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(
          linkedin.classifyError(result.response, { now: harness.context().runtime.clock.now() }),
        ).toMatchObject({
          reason: 'token_expired',
          transient: false,
        });
      }
      const error = await failure(linkedin.discoverAccounts(tokens, harness.context()));
      expect(error.classification.reason).toBe('token_expired');
    });

    it('finds the member and the Pages they administer, with one ACL page and one name lookup', async () => {
      const tokens = await connect(harness, linkedin, PAGE_SCOPES, 'sofia');
      harness.simulator().engine.requests.length = 0;
      const discovery = await linkedin.discoverAccounts(tokens, harness.context());
      expect(discovery).toEqual({
        subject: { id: 'urn:li:person:sofia', name: 'Sofia Marin' },
        accounts: [
          { id: 'urn:li:person:sofia', name: 'Sofia Marin', kind: 'profile' },
          { id: 'urn:li:organization:2414183', name: 'Northwind Bakery', kind: 'organization' },
          { id: 'urn:li:organization:5521090', name: 'Northwind Catering', kind: 'organization' },
        ],
      });
      const calls = harness.simulator().engine.requests.map((r) => `${r.method} ${r.url}`);
      expect(calls).toEqual([
        'GET https://api.linkedin.com/v2/userinfo',
        'GET https://api.linkedin.com/rest/organizationAcls?q=roleAssignee&state=APPROVED&start=0&count=100',
        'GET https://api.linkedin.com/rest/organizations?ids=List(2414183,5521090)',
      ]);
      for (const request of harness.simulator().engine.requests.slice(1)) {
        expect(request.headers['linkedin-version']).toMatch(/^\d{6}$/);
        expect(request.headers['x-restli-protocol-version']).toBe('2.0.0');
      }
    });

    it('connects only the member when no organisation admin scope was granted', async () => {
      const tokens = await connect(harness, linkedin, ['openid', 'profile', 'w_member_social']);
      harness.simulator().engine.requests.length = 0;
      const discovery = await linkedin.discoverAccounts(tokens, harness.context());
      expect(discovery.accounts).toEqual([
        { id: 'urn:li:person:sofia', name: 'Sofia Marin', kind: 'profile' },
      ]);
      expect(harness.simulator().engine.requests).toHaveLength(1);
    });

    it('connects only the member when they administer no Page', async () => {
      const tokens = await connect(harness, linkedin, PAGE_SCOPES, 'liam');
      const discovery = await linkedin.discoverAccounts(tokens, harness.context());
      expect(discovery).toEqual({
        subject: { id: 'urn:li:person:liam', name: 'Liam Chen' },
        accounts: [{ id: 'urn:li:person:liam', name: 'Liam Chen', kind: 'profile' }],
      });
    });

    it('keeps the token alive when a Page role is lost: introspection passes, the Page drops out of discovery', async () => {
      const tokens = await connect(harness, linkedin, PAGE_SCOPES, 'sofia');
      await harness.simulator().control('POST', 'grants/all/revoke', { cause: 'role_lost' });
      expect(await linkedin.healthCheck!.run(tokens, harness.context())).toEqual({ ok: true });
      const discovery = await linkedin.discoverAccounts(tokens, harness.context());
      expect(discovery.accounts.map((account) => account.kind)).toEqual(['profile']);
    });

    it('pages through more than 100 organisations, keeping every admin role', async () => {
      const tokens = await connect(harness, linkedin, PAGE_SCOPES, 'olivia');
      harness.simulator().engine.requests.length = 0;
      const discovery = await linkedin.discoverAccounts(tokens, harness.context());
      const pages = discovery.accounts.filter((account) => account.kind === 'organization');
      expect(pages).toHaveLength(150);
      // Content administrators post as the Page too.
      expect(pages.map((page) => page.id)).toContain('urn:li:organization:9100000');
      expect(pages.at(-1)).toEqual({
        id: 'urn:li:organization:9100149',
        name: 'Client Page 150',
        kind: 'organization',
      });
      const acl = harness
        .simulator()
        .engine.requests.filter((r) => r.url.includes('/rest/organizationAcls'))
        .map((r) => new URL(r.url).searchParams.get('start'));
      expect(acl).toEqual(['0', '100']);
    });

    it('reads 403 ACCESS_DENIED as a role loss to confirm: the body cannot tell it from a missing product', () => {
      const verdict = linkedin.classifyError(
        {
          status: 403,
          headers: {},
          body: {
            status: 403,
            serviceErrorCode: 100,
            code: 'ACCESS_DENIED',
            message: 'Not enough permissions to access: me.GET.NO_VERSION',
          },
        },
        { now: harness.context().runtime.clock.now() },
      );
      expect(verdict).toMatchObject({
        reason: 'role_lost',
        scope: 'account',
        needsConfirmation: true,
        actor: 'account_admin',
      });
    });

    it('confirms a role taken on one organisation with that organisation’s check, and passes the others', async () => {
      const tokens = await connect(harness, linkedin, PAGE_SCOPES, 'sofia');
      const context = harness.context();
      const taken = await harness
        .simulator()
        .control('POST', 'accounts/2414183/revoke-role', { person: 'sofia' });
      expect(taken.status).toBe(200);
      const organization = (id: string) => ({
        id: `urn:li:organization:${id}`,
        kind: 'organization' as const,
      });
      const lost = await linkedin.healthCheck!.run(tokens, context, organization('2414183'));
      if (lost.ok) throw new Error('the check must fail');
      expect(
        linkedin.classifyError(lost.response, { now: context.runtime.clock.now() }),
      ).toMatchObject({
        reason: 'role_lost',
        scope: 'account',
        needsConfirmation: false,
        actor: 'account_admin',
        transient: false,
      });
      expect(await linkedin.healthCheck!.run(tokens, context, organization('5521090'))).toEqual({
        ok: true,
      });
      // The member's own connection and token are untouched.
      expect(await linkedin.healthCheck!.run(tokens, context)).toEqual({ ok: true });
      const discovery = await linkedin.discoverAccounts(tokens, context);
      expect(discovery.accounts.map((account) => account.id)).toEqual([
        'urn:li:person:sofia',
        'urn:li:organization:5521090',
      ]);
    });

    it('says scope_missing when the organisation check finds the grant without the Page scopes', async () => {
      const tokens = await connect(
        harness,
        linkedin,
        ['openid', 'profile', 'w_member_social'],
        'sofia',
      );
      const context = harness.context();
      const check = await linkedin.healthCheck!.run(tokens, context, {
        id: 'urn:li:organization:2414183',
        kind: 'organization',
      });
      if (check.ok) throw new Error('the check must fail');
      expect(
        linkedin.classifyError(check.response, { now: context.runtime.clock.now() }),
      ).toMatchObject({
        reason: 'scope_missing',
        actor: 'owner',
        needsConfirmation: false,
      });
    });

    it('says app_misconfigured for the operator when the app lost the Community Management product', async () => {
      const simulator = await startSimulator(
        linkedinSimulation(linkedin, LINKEDIN_FACTS, { communityManagement: false }),
      );
      try {
        const context = {
          ...harness.context(),
          runtime: {
            ...harness.context().runtime,
            fetch: simulator.fetch,
            clock: { now: () => new Date(simulator.engine.now()) },
          },
        };
        const url = buildAuthorizationUrl(linkedin, {
          clientId: SANDBOX_CLIENT.clientId,
          redirectUri: REDIRECT_URI,
          state: 'state',
          scopes: PAGE_SCOPES,
        });
        const back = await simulator.consent(url, { person: 'sofia' });
        const tokens = await exchangeAuthorizationCode(linkedin, context, {
          code: back.searchParams.get('code')!,
          redirectUri: REDIRECT_URI,
        });
        // Discovery meets the ambiguous 403…
        const denied = await failure(linkedin.discoverAccounts(tokens, context));
        expect(denied.classification).toMatchObject({
          reason: 'role_lost',
          needsConfirmation: true,
        });
        // …and the organisation's check settles it: the token holds the scope, LinkedIn refuses.
        const check = await linkedin.healthCheck!.run(tokens, context, {
          id: 'urn:li:organization:2414183',
          kind: 'organization',
        });
        if (check.ok) throw new Error('the check must fail');
        expect(
          linkedin.classifyError(check.response, { now: context.runtime.clock.now() }),
        ).toMatchObject({
          reason: 'app_misconfigured',
          actor: 'operator',
          needsConfirmation: false,
        });
      } finally {
        await simulator.close();
      }
    });

    it('sends the client credentials in the form body and no PKCE challenge', async () => {
      const url = new URL(
        buildAuthorizationUrl(linkedin, {
          clientId: 'client',
          redirectUri: REDIRECT_URI,
          state: 's',
          scopes: ['openid', 'profile'],
          codeChallenge: 'ignored',
        }),
      );
      expect(url.searchParams.has('code_challenge')).toBe(false);
      expect(url.searchParams.get('scope')).toBe('openid profile');
      await harness.authorize();
      const token = harness
        .simulator()
        .engine.requests.find((r) => r.url === 'https://www.linkedin.com/oauth/v2/accessToken');
      expect(token?.headers.authorization).toBeUndefined();
      expect(token?.fields).toMatchObject({
        grant_type: 'authorization_code',
        client_id: SANDBOX_CLIENT.clientId,
        client_secret: SANDBOX_CLIENT.clientSecret,
      });
    });

    it('introspects with the client credentials and the token in the form body', async () => {
      const tokens = await harness.authorize();
      harness.simulator().engine.requests.length = 0;
      await linkedin.healthCheck!.run(tokens, harness.context());
      const [introspection] = harness.simulator().engine.requests;
      expect(introspection?.url).toBe('https://www.linkedin.com/oauth/v2/introspectToken');
      expect(introspection?.fields).toEqual({
        client_id: SANDBOX_CLIENT.clientId,
        client_secret: SANDBOX_CLIENT.clientSecret,
        token: tokens.accessToken,
      });
    });

    it('revokes the token at LinkedIn, after which introspection says revoked', async () => {
      const tokens = await harness.authorize();
      await linkedin.revokeToken!(tokens, harness.context());
      const result = await linkedin.healthCheck!.run(tokens, harness.context());
      expect(result.ok).toBe(false);
      if (!result.ok)
        expect(
          linkedin.classifyError(result.response, { now: harness.context().runtime.clock.now() })
            .reason,
        ).toBe('token_revoked');
    });

    it('ends a member’s earlier tokens when they authorize again with different scopes', async () => {
      const first = await connect(harness, linkedin, PAGE_SCOPES, 'sofia');
      const second = await connect(harness, linkedin, PAGE_SCOPES, 'sofia');
      // The same scopes again: both tokens live.
      expect(await linkedin.healthCheck!.run(first, harness.context())).toEqual({ ok: true });
      expect(await linkedin.healthCheck!.run(second, harness.context())).toEqual({ ok: true });
      const narrower = await connect(harness, linkedin, ['openid', 'profile'], 'sofia');
      for (const tokens of [first, second]) {
        const result = await linkedin.healthCheck!.run(tokens, harness.context());
        expect(result.ok).toBe(false);
        if (!result.ok) {
          expect(
            linkedin.classifyError(result.response, { now: harness.context().runtime.clock.now() })
              .reason,
          ).toBe('token_revoked');
        }
      }
      expect(await linkedin.healthCheck!.run(narrower, harness.context())).toEqual({ ok: true });
    });

    it('reports a sunset LinkedIn-Version as app_misconfigured, naming the package to update', async () => {
      // September 2028: well past a year of support for the pinned version.
      const sunset = Date.UTC(2028, 8, 1);
      await harness.simulator().control('POST', 'clock', {
        advanceSeconds: Math.ceil((sunset - harness.simulator().engine.now()) / 1000),
      });
      const tokens = await connect(harness, linkedin, PAGE_SCOPES, 'sofia');
      const error = await failure(linkedin.discoverAccounts(tokens, harness.context()));
      expect(error.response?.status).toBe(426);
      expect(error.classification.reason).toBe('app_misconfigured');
      expect(error.classification.remedy).toContain('@tether/provider-linkedin');
    });
  },
});
