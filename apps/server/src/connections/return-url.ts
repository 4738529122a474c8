import { DomainError } from '../domain-error';

/**
 * Refuses a return URL outside the allow-list. A prefix matches whole path segments:
 * /connections allows /connections/done, not /connections-admin.
 */
export function checkReturnTo(returnTo: string | undefined, allowedUrls: readonly string[]): void {
  if (returnTo === undefined) return;
  let url: URL;
  try {
    url = new URL(returnTo);
  } catch {
    throw new DomainError('INVALID_REQUEST', 'returnTo must be an absolute URL.', {
      errors: [{ in: 'body', path: 'returnTo', message: 'not an absolute URL' }],
    });
  }
  const allowed = allowedUrls.some((allowedUrl) => {
    const base = new URL(allowedUrl);
    const prefix = base.pathname.replace(/\/+$/, '');
    return (
      url.origin === base.origin &&
      (prefix === '' || url.pathname === prefix || url.pathname.startsWith(`${prefix}/`))
    );
  });
  if (!allowed) {
    throw new DomainError(
      'RETURN_URL_NOT_ALLOWED',
      `returnTo is not in the allowed return URLs (TETHER_RETURN_URLS).`,
      { errors: [{ in: 'body', path: 'returnTo', message: 'not allowed' }] },
    );
  }
}
