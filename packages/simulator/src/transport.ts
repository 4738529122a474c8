import type { IncomingMessage, ServerResponse } from 'node:http';
import { control } from './control-api';
import type { RecordedRequest, SimulatorEngine } from './engine';
import type { SimulatorResponse } from './model';

/*
 * How requests reach an engine: over HTTP through a Node handler (the sandbox mounts it), or in
 * this process through a `fetch` that needs no socket. Either way a request addressed to the
 * simulator is `/<network host>/<path>` or `/_control/…`.
 */

/**
 * A Node request handler for an engine. Requests arrive as `/<network host>/<path>` (see
 * `simulatorUrl`), or `/_control/…` for the control API. Mountable under any prefix by Express.
 */
export function nodeHandler(
  engine: SimulatorEngine,
): (incoming: IncomingMessage, outgoing: ServerResponse) => void {
  return (incoming, outgoing) => {
    void serve(engine, incoming, outgoing).catch((error: unknown) => {
      outgoing.statusCode = 500;
      outgoing.setHeader('content-type', 'application/json');
      outgoing.end(
        JSON.stringify({
          error: 'simulator_error',
          message: error instanceof Error ? error.message : String(error),
        }),
      );
    });
  };
}

/**
 * Answers one request addressed to the simulator: `path` is `/<network host>/<path>?<query>`
 * or `/_control/…`. Used by the HTTP handler and by the in-process `engineFetch`.
 */
export async function dispatch(
  engine: SimulatorEngine,
  method: string,
  path: string,
  headers: Readonly<Record<string, string>>,
  raw: string,
): Promise<SimulatorResponse> {
  const local = new URL(path, 'http://simulator.local');
  const contentType = headers['content-type'] ?? '';
  let json: unknown;
  let notJson = false;
  const fields: Record<string, string> = Object.fromEntries(local.searchParams);
  if (contentType.includes('application/json') && raw) {
    try {
      json = JSON.parse(raw);
    } catch {
      notJson = true;
    }
  } else if (raw) {
    notJson = true;
    Object.assign(fields, Object.fromEntries(new URLSearchParams(raw)));
  }
  const [, first, ...rest] = local.pathname.split('/');
  if (first === '_control') {
    // A control body is JSON or nothing: anything else is refused, not read as no body.
    return notJson
      ? {
          status: 400,
          body: { error: 'send the body as JSON, with Content-Type: application/json' },
        }
      : control(engine, method, rest.join('/'), json);
  }
  const url = new URL(`https://${first ?? ''}/${rest.join('/')}${local.search}`);
  const bearer = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
  const accessToken = bearer ?? fields.access_token;
  const record: RecordedRequest = {
    at: new Date(engine.now()).toISOString(),
    method,
    url: url.toString(),
    headers,
    fields,
    status: 0,
  };
  engine.requests.push(record);
  const response = await engine.respond({
    method,
    url,
    headers,
    fields,
    json,
    ...(accessToken !== undefined ? { accessToken } : {}),
  });
  record.status = response.status;
  return response;
}

async function serve(
  engine: SimulatorEngine,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (typeof value === 'string') headers[name.toLowerCase()] = value;
    else if (Array.isArray(value)) headers[name.toLowerCase()] = value.join(', ');
  }
  const path = incoming.url ?? '/';
  if (engine.latencyMs > 0 && !path.startsWith('/_control/')) {
    // The request is on its way: a client that goes away meanwhile never reaches the network.
    let gone = false;
    outgoing.once('close', () => (gone = true));
    engine.pending += 1;
    await new Promise((resolve) => setTimeout(resolve, engine.latencyMs));
    engine.pending -= 1;
    if (gone) return;
  }
  const response = await dispatch(
    engine,
    incoming.method ?? 'GET',
    path,
    headers,
    Buffer.concat(chunks).toString('utf8'),
  );
  outgoing.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers ?? {}))
    outgoing.setHeader(name, value);
  if (response.body === undefined || response.status === 204) {
    outgoing.end();
  } else if (typeof response.body === 'string') {
    if (!outgoing.hasHeader('content-type'))
      outgoing.setHeader('content-type', 'text/plain; charset=utf-8');
    outgoing.end(response.body);
  } else {
    outgoing.setHeader('content-type', 'application/json; charset=utf-8');
    outgoing.end(JSON.stringify(response.body));
  }
}

/** Where a network URL lands on a simulator served at `base` (the sandbox's `/sandbox/{id}`). */
export function simulatorUrl(base: string, networkUrl: string): string {
  const url = new URL(networkUrl);
  return `${base.replace(/\/+$/, '')}/${url.host}${url.pathname}${url.search}`;
}

/**
 * A `fetch` that answers network calls from an engine in this process, without a socket:
 * the sandbox gives it to providers so they reach their simulator wherever the server listens.
 */
export function engineFetch(engine: SimulatorEngine): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    const raw = request.body ? await request.text() : '';
    const answer = await dispatch(
      engine,
      request.method,
      `/${url.host}${url.pathname}${url.search}`,
      headers,
      raw,
    );
    const body =
      answer.body === undefined || answer.status === 204
        ? null
        : typeof answer.body === 'string'
          ? answer.body
          : JSON.stringify(answer.body);
    const responseHeaders = new Headers(answer.headers);
    if (body !== null && !responseHeaders.has('content-type')) {
      responseHeaders.set(
        'content-type',
        typeof answer.body === 'string'
          ? 'text/plain; charset=utf-8'
          : 'application/json; charset=utf-8',
      );
    }
    return new Response(body, { status: answer.status, headers: responseHeaders });
  };
}

/** A `fetch` that sends every network call to the simulator at `base` instead. */
export function simulatorFetch(base: string): typeof fetch {
  return (input, init) => {
    const url =
      typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    return fetch(simulatorUrl(base, url), init);
  };
}
