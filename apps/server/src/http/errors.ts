/** An error the API reports as `application/problem+json`; `code` is stable and documented. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: { readonly errors?: readonly ProblemIssue[] } & Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** One problem with a request, pointing at the field. */
export interface ProblemIssue {
  readonly path: string;
  readonly message: string;
}

/** Every stable error code and the HTTP status it maps to. The one place codes meet statuses. */
export const API_ERROR_STATUS = {
  INVALID_REQUEST: 400,
  RETURN_URL_NOT_ALLOWED: 400,
  MALFORMED_JSON: 400,
  UNAUTHENTICATED: 401,
  INSUFFICIENT_SCOPE: 403,
  NOT_FOUND: 404,
  PROVIDER_NOT_FOUND: 404,
  API_KEY_NOT_FOUND: 404,
  CONNECTION_NOT_FOUND: 404,
  CONNECT_SESSION_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  WEBHOOK_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  USER_EXISTS: 409,
  PROVIDER_NOT_CONFIGURED: 409,
  CONNECTION_NEEDS_REAUTHORIZATION: 409,
  PROVIDER_UNAVAILABLE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL_ERROR: 500,
  PROVIDER_REQUEST_FAILED: 502,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_STATUS;
