import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClientMetadata, default as Provider } from 'oidc-provider' with {
  'resolution-mode': 'import',
};
import { expect } from 'vitest';

/** People who can sign in at the authorization server, by login: their display names. */
const PEOPLE: Readonly<Record<string, string>> = {
  ada: 'Ada Lovelace',
  grace: 'Grace Hopper',
};

/** A real OpenID Provider (the `oidc-provider` package) on a random local port. */
export interface OidcServer {
  readonly issuer: string;
  readonly provider: Provider;
  /** What the server did, by event name (`refresh_token.consumed`, `grant.revoked`…). */
  readonly events: string[];
  /**
   * Ends every grant the person gave the client, as when they remove the app from their account:
   * the grant and every access and refresh token issued from it.
   */
  revokeAccess(clientId: string, accountId: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts oidc-provider with the clients given, refresh tokens that rotate on every use, and its
 * development login and consent pages (any login signs in; consent is one button).
 */
export async function startOidcServer(clients: ClientMetadata[]): Promise<OidcServer> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const grants: { grantId: string; clientId: string; accountId: string }[] = [];
  // oidc-provider is an ES module; the test helpers are typed as CommonJS.
  const { default: OidcProvider } = await import('oidc-provider');
  const provider = new OidcProvider(issuer, {
    clients,
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, name: PEOPLE[sub] ?? sub }),
    }),
    claims: { openid: ['sub'], profile: ['name'] },
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
    },
    routes: { userinfo: '/userinfo' },
    rotateRefreshToken: true,
    ttl: {
      AccessToken: 3600,
      RefreshToken: 30 * 24 * 3600,
      Grant: 30 * 24 * 3600,
      IdToken: 3600,
      Interaction: 600,
      Session: 24 * 3600,
    },
    cookies: { keys: ['oidc-test-cookie-key'] },
  });
  const events: string[] = [];
  provider.on('authorization_code.consumed', () => events.push('authorization_code.consumed'));
  provider.on('refresh_token.consumed', () => events.push('refresh_token.consumed'));
  provider.on('grant.revoked', () => events.push('grant.revoked'));
  provider.on('access_token.saved', (token) => {
    grants.push({
      grantId: token.grantId,
      clientId: token.clientId!,
      accountId: token.accountId,
    });
  });
  const handle = provider.callback();
  server.on('request', (request, response) => void handle(request, response));
  return {
    issuer,
    provider,
    events,
    async revokeAccess(clientId, accountId) {
      const ended = grants.filter(
        (grant) => grant.clientId === clientId && grant.accountId === accountId,
      );
      expect(ended.length).toBeGreaterThan(0);
      for (const { grantId } of ended) {
        await provider.AccessToken.revokeByGrantId(grantId);
        await provider.RefreshToken.revokeByGrantId(grantId);
        await provider.Grant.adapter.destroy(grantId);
      }
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A browser's cookies, all sent to the one test server. */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, at).trim(), pair!.slice(at + 1));
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/** The first form of a page: where it posts and its hidden fields. */
function formOf(page: string, base: string): { action: string; fields: URLSearchParams } {
  const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
  expect(action, page).toBeDefined();
  const fields = new URLSearchParams();
  for (const [, name, value] of page.matchAll(
    /<input type="hidden" name="([^"]+)" value="([^"]*)"/g,
  ))
    fields.set(name!, value!);
  return { action: new URL(action!.replace(/&amp;/g, '&'), base).toString(), fields };
}

/**
 * Plays the person's browser at the authorization server: follows its redirects, signs in as
 * `login` on its login page and presses its consent button, until it sends the browser to
 * `callbackPrefix`. Returns that callback URL.
 */
export async function signInAndConsent(
  authorizationUrl: string,
  callbackPrefix: string,
  login = 'ada',
): Promise<string> {
  const jar = new CookieJar();
  let next: { url: string; init?: RequestInit } = { url: authorizationUrl };
  for (let step = 0; step < 12; step += 1) {
    const response = await fetch(next.url, {
      ...next.init,
      redirect: 'manual',
      headers: { ...(next.init?.headers as Record<string, string>), cookie: jar.header() },
    });
    jar.store(response);
    const location = response.headers.get('location');
    if (location) {
      const target = new URL(location, next.url).toString();
      if (target.startsWith(callbackPrefix)) return target;
      next = { url: target };
      continue;
    }
    const page = await response.text();
    expect(response.status, page).toBe(200);
    const { action, fields } = formOf(page, next.url);
    if (fields.get('prompt') === 'login') {
      fields.set('login', login);
      fields.set('password', 'any password');
    }
    next = {
      url: action,
      init: {
        method: 'POST',
        body: fields.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
    };
  }
  throw new Error(`the authorization server never sent the browser to ${callbackPrefix}`);
}
