import { createTetherClient, type Problem, type Schemas, type TetherClient } from '@tether/client';

const KEY = 'tether.console.apiKey';

/** Who the signed-in key is, asked once per key. */
let asked: { key: string; caller: Promise<Schemas['Caller'] | undefined> } | undefined;

/** The API key the person signed in with, for this tab only. */
export function storedKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function signIn(apiKey: string): void {
  sessionStorage.setItem(KEY, apiKey);
}

/** Forgets the key; one a sign-in link issued is revoked too (the API leaves other keys alone). */
export function signOut(): void {
  const key = storedKey();
  sessionStorage.removeItem(KEY);
  if (key)
    void client(key)
      .POST('/api/v1/sign-out')
      .catch(() => undefined);
}

/** A client of this server's API with `apiKey`, the signed-in key by default. */
export function client(apiKey = storedKey() ?? undefined): TetherClient {
  return createTetherClient({ baseUrl: location.origin, ...(apiKey ? { apiKey } : {}) });
}

/**
 * Who the signed-in key is (its workspace, its person, whether it is an admin's), or undefined
 * when the API would not say. Only what the navigation shows depends on it: the API's own
 * answers are what guard each page.
 */
export function caller(): Promise<Schemas['Caller'] | undefined> {
  const key = storedKey();
  if (!key) return Promise.resolve(undefined);
  if (asked?.key !== key) {
    asked = {
      key,
      caller: client(key)
        .GET('/api/v1/me')
        .then(
          ({ data }) => data,
          () => undefined,
        ),
    };
  }
  return asked.caller;
}

/** What went wrong, in the API's own words. */
export function describeProblem(problem: Problem | undefined, fallback: string): string {
  return problem?.detail ?? problem?.title ?? fallback;
}
