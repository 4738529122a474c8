import { readInteger, readRecord } from '@tether/provider-sdk';

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
