import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SANDBOX_CLIENT, type SimulatorClient, SimulatorEngine } from './engine';
import type { NetworkSimulation } from './model';
import { simulatorFetch, simulatorUrl } from './transport';

/** A simulator listening on a loopback port. */
export interface RunningSimulator {
  readonly engine: SimulatorEngine;
  /** Base URL; network URLs map under it (`simulatorUrl`). */
  readonly url: string;
  /** A fetch that sends network calls here; pass it to the provider as its runtime fetch. */
  readonly fetch: typeof fetch;
  /** Calls the control API over HTTP. */
  control(method: string, path: string, body?: unknown): Promise<Response>;
  /**
   * Plays the person at the consent page: opens the authorization URL, then submits the
   * decision. Returns the URL the network redirected back to (with `code` or `error`).
   */
  consent(
    authorizationUrl: string,
    choice?: { decision?: 'allow' | 'deny'; person?: string; grantedScopes?: readonly string[] },
  ): Promise<URL>;
  close(): Promise<void>;
}

/** Starts a simulator for a network on 127.0.0.1 and a random port. */
export async function startSimulator(
  network: NetworkSimulation,
  client: SimulatorClient = SANDBOX_CLIENT,
): Promise<RunningSimulator> {
  const engine = new SimulatorEngine(network, client);
  const server = createServer(engine.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    engine,
    url,
    fetch: simulatorFetch(url),
    control: (method, path, body) =>
      fetch(`${url}/_control/${path.replace(/^\//, '')}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      }),
    consent: async (authorizationUrl, choice = {}) => {
      const local = simulatorUrl(url, authorizationUrl);
      const page = await fetch(local);
      if (page.status !== 200)
        throw new Error(`consent page answered ${page.status}: ${await page.text()}`);
      const form = new URLSearchParams(new URL(authorizationUrl).searchParams);
      form.set('decision', choice.decision ?? 'allow');
      if (choice.person !== undefined) form.set('person', choice.person);
      if (choice.grantedScopes !== undefined)
        form.set('granted_scopes', choice.grantedScopes.join(' '));
      const decision = await fetch(local, { method: 'POST', body: form, redirect: 'manual' });
      const location = decision.headers.get('location');
      if (decision.status !== 302 || !location)
        throw new Error(`consent answered ${decision.status}: ${await decision.text()}`);
      return new URL(location);
    },
    close: () =>
      new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      ),
  };
}
