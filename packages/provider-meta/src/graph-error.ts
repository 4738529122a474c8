import { integer, record } from './json-fields';

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
  const envelope = record(record(body)?.error);
  if (!envelope) return undefined;
  const code = integer(envelope.code);
  const subcode = integer(envelope.error_subcode);
  return { ...(code !== undefined ? { code } : {}), ...(subcode !== undefined ? { subcode } : {}) };
}
