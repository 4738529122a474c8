/**
 * Every stable error code the host reports. Services throw {@link DomainError}s with one of
 * these; only the exception filter (http/problem.filter.ts) turns them into HTTP statuses.
 */
export type ErrorCode =
  | 'INVALID_REQUEST'
  | 'RETURN_URL_NOT_ALLOWED'
  | 'MALFORMED_JSON'
  | 'JSON_TOO_DEEP'
  | 'UNAUTHENTICATED'
  | 'INSUFFICIENT_SCOPE'
  | 'NOT_FOUND'
  | 'PROVIDER_NOT_FOUND'
  | 'API_KEY_NOT_FOUND'
  | 'CONNECTION_NOT_FOUND'
  | 'CONNECT_SESSION_NOT_FOUND'
  | 'USER_NOT_FOUND'
  | 'WEBHOOK_NOT_FOUND'
  | 'SIGN_IN_LINK_NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'REQUEST_TIMEOUT'
  | 'CONFLICT'
  | 'USER_EXISTS'
  | 'PROVIDER_NOT_CONFIGURED'
  | 'CONNECTION_NEEDS_REAUTHORIZATION'
  | 'PROVIDER_UNAVAILABLE'
  | 'SIGN_IN_LINK_USED'
  | 'SIGN_IN_LINK_EXPIRED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'REQUEST_HEADERS_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'INTERNAL_ERROR'
  | 'PROVIDER_REQUEST_FAILED'
  | 'SERVICE_UNAVAILABLE';

/** One problem with an input: which part of the request holds it, and the field. */
export interface ProblemIssue {
  readonly in: 'path' | 'query' | 'header' | 'body';
  readonly path: string;
  readonly message: string;
}

/**
 * A failure the domain names: a stable `code`, a message that says how to fix it, and details.
 * `retryAfterSeconds` says when trying again can help (sent as the `Retry-After` header).
 */
export class DomainError extends Error {
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: { readonly errors?: readonly ProblemIssue[] } & Record<string, unknown>,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.name = 'DomainError';
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}
