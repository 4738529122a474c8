import { createTetherClient, type Problem, type TetherClient } from '@tether/client';

const KEY = 'tether.console.apiKey';

/** The API key the person signed in with, for this tab only. */
export function storedKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function signIn(apiKey: string): void {
  sessionStorage.setItem(KEY, apiKey);
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}

/** A client of this server's API with `apiKey`, the signed-in key by default. */
export function client(apiKey = storedKey() ?? undefined): TetherClient {
  return createTetherClient({ baseUrl: location.origin, ...(apiKey ? { apiKey } : {}) });
}

/** What went wrong, in the API's own words. */
export function describeProblem(problem: Problem | undefined, fallback: string): string {
  return problem?.detail ?? problem?.title ?? fallback;
}
