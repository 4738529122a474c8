import { ProviderRequestError } from './grant';
import type { HealthCheckResult, Provider, RawResponse } from './provider';
import type { ProviderRuntime } from './runtime';

/**
 * Keeps an integer too large for a JavaScript number (an Instagram `user_id`, 17 digits, above
 * 2^53) as the digits the network sent, a string, instead of a rounded number. Uses the source
 * text JSON.parse hands revivers (Node 21 and later; Tether runs on Node 24).
 * @see https://github.com/tc39/proposal-json-parse-with-source
 */
function keepLargeIntegers(_key: string, value: unknown, context?: { source?: string }): unknown {
  return typeof value === 'number' &&
    Number.isInteger(value) &&
    !Number.isSafeInteger(value) &&
    context?.source !== undefined &&
    /^-?\d+$/.test(context.source)
    ? context.source
    : value;
}

/**
 * Parses a JSON text as `readResponse` does: integers beyond `Number.MAX_SAFE_INTEGER` come back
 * as strings of their exact digits, so ids never lose precision. Throws on invalid JSON.
 */
export function parseJson(text: string): unknown {
  return JSON.parse(text, keepLargeIntegers);
}

/**
 * A response read in full: status, lower-cased headers and the body parsed as JSON when it is
 * JSON (integers too large for a number kept as strings of their digits).
 */
export async function readResponse(response: Response): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  const text = await response.text();
  let body: unknown = text;
  if (text.length > 0) {
    try {
      body = parseJson(text);
    } catch {
      body = text;
    }
  } else {
    body = null;
  }
  return { status: response.status, headers, body };
}

/**
 * Calls the network through the injected fetch. A failure to reach it becomes a
 * `provider_unavailable` error; an error status is classified by the provider's classifier.
 * Returns the raw response of a 2xx.
 */
export async function callNetwork(
  provider: Provider,
  operation: string,
  runtime: ProviderRuntime,
  url: string | URL,
  init: RequestInit = {},
): Promise<RawResponse> {
  let raw: RawResponse;
  try {
    const response = await runtime.fetch(url, { ...init, redirect: 'manual' });
    raw = await readResponse(response);
  } catch (error) {
    // No complete answer (refused, timed out, cut off mid-body): the call may or may not have
    // taken effect at the network.
    throw new ProviderRequestError(
      provider.id,
      operation,
      provider.classifyError({ status: 0, headers: {}, body: null }, { now: runtime.clock.now() }),
      undefined,
      { cause: error },
    );
  }
  if (raw.status < 200 || raw.status >= 300) {
    throw new ProviderRequestError(
      provider.id,
      operation,
      provider.classifyError(raw, { now: runtime.clock.now() }),
      raw,
    );
  }
  return raw;
}

/** Form-encodes a record for `application/x-www-form-urlencoded` bodies. */
export function formBody(fields: Readonly<Record<string, string | undefined>>): URLSearchParams {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields))
    if (value !== undefined) body.set(name, value);
  return body;
}

/**
 * Runs a health-check call: a 2xx is healthy, an error answer is handed back for the classifier,
 * and no answer at all propagates as thrown (the host treats it as an unknown, transient outcome).
 */
export async function probe(call: () => Promise<unknown>): Promise<HealthCheckResult> {
  try {
    await call();
    return { ok: true };
  } catch (error) {
    if (error instanceof ProviderRequestError && error.response)
      return { ok: false, response: error.response };
    throw error;
  }
}
