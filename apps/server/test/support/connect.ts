import { expect } from 'vitest';
import type { TestServer } from './server';

/** What a person does at the network's consent page. */
export interface ConsentChoice {
  readonly decision?: 'allow' | 'deny';
  readonly person?: string;
  readonly grantedScopes?: readonly string[];
}

/** Plays the browser: opens the consent page at the sandbox simulator and submits the choice. Returns where the network redirects. */
export async function consentAt(
  authorizationUrl: string,
  choice: ConsentChoice = {},
): Promise<string> {
  const page = await fetch(authorizationUrl);
  expect(page.status, await page.clone().text()).toBe(200);
  expect(await page.text()).toContain('Allow');
  const form = new URLSearchParams(new URL(authorizationUrl).searchParams);
  form.set('decision', choice.decision ?? 'allow');
  if (choice.person !== undefined) form.set('person', choice.person);
  if (choice.grantedScopes !== undefined)
    form.set('granted_scopes', choice.grantedScopes.join(' '));
  const decision = await fetch(authorizationUrl, {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  expect(decision.status).toBe(302);
  return decision.headers.get('location')!;
}

/** A connect session as the API returns it. */
export interface SessionBody {
  id: string;
  status: string;
  outcome: string | null;
  outcomeDetail: string | null;
  connectionIds: string[];
  popupFallback?: string;
}

/** Starts a connect session over the API, consents at the simulator and follows the callback. */
export async function connect(
  server: Pick<TestServer, 'request'>,
  body: Record<string, unknown>,
  choice: ConsentChoice = {},
): Promise<{ sessionId: string; callback: Response; session: SessionBody }> {
  const started = await server.request('POST', '/api/v1/connect-sessions', { json: body });
  expect(started.status, await started.clone().text()).toBe(201);
  const { id, authorizationUrl } = (await started.json()) as {
    id: string;
    authorizationUrl: string;
  };
  const callbackUrl = await consentAt(authorizationUrl, choice);
  const callback = await fetch(callbackUrl, { redirect: 'manual' });
  const session = (await (
    await server.request('GET', `/api/v1/connect-sessions/${id}`)
  ).json()) as SessionBody;
  return { sessionId: id, callback, session };
}
