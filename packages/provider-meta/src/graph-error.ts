import { readInteger, readRecord, readText } from '@tether/provider-sdk';

/**
 * The structured part of a Graph error: `{ error: { message, type, code, error_subcode,
 * fbtrace_id } }`, the same envelope on graph.facebook.com and graph.instagram.com. The message
 * is left out on purpose: it is for people, changes without notice, and no classifier reads it.
 * @see https://developers.facebook.com/docs/graph-api/guides/error-handling
 */
export interface GraphError {
  readonly code?: number;
  readonly subcode?: number;
}

/** The code and subcode of a Graph error envelope; undefined when the body has no envelope. */
export function readGraphError(body: unknown): GraphError | undefined {
  const envelope = readRecord(body, 'error');
  if (!envelope) return undefined;
  const code = readInteger(envelope, 'code');
  const subcode = readInteger(envelope, 'error_subcode');
  return { ...(code !== undefined ? { code } : {}), ...(subcode !== undefined ? { subcode } : {}) };
}

/**
 * Meta's whole message when the token endpoint (a code exchange, `fb_exchange_token`, or
 * `debug_token` with the app token) rejects the app secret. It comes as code 1 without a subcode,
 * the very code Graph uses for "unknown error, retry", and Meta sends nothing structured that
 * tells the two apart; so this one sentence, compared whole, is what a classifier reads.
 * @see https://github.com/facebookarchive/php-graph-sdk/issues/538
 */
const CLIENT_SECRET_REJECTED = 'Error validating client secret.';

/**
 * Whether a Graph error is the token endpoint refusing the app secret: code 1, no subcode, and
 * Meta's fixed sentence as the entire message (trailing period optional). Never a substring
 * match: any other code 1 stays "unknown error, retry".
 */
export function isClientSecretRejection(body: unknown): boolean {
  const envelope = readRecord(body, 'error');
  if (!envelope) return false;
  const message = readText(envelope, 'message')?.trim();
  return (
    readInteger(envelope, 'code') === 1 &&
    envelope.error_subcode === undefined &&
    message !== undefined &&
    message.replace(/\.$/, '') === CLIENT_SECRET_REJECTED.replace(/\.$/, '')
  );
}

/**
 * What Meta tells the person about an error (`error_user_title`, `error_user_msg`), to pass on
 * to them unchanged; never read to classify.
 */
export function readGraphNotice(body: unknown): string | undefined {
  const envelope = readRecord(body, 'error');
  const title = readText(envelope, 'error_user_title')?.trim();
  const message = readText(envelope, 'error_user_msg')?.trim();
  if (title && message) return `${title}: ${message}`;
  return message || title || undefined;
}
