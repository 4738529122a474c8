import type { Response } from 'express';
import type { ConnectSession, User } from '@tether/persistence';
import { DomainError } from '../domain-error';
import { API_ERROR_STATUS } from '../http/errors';
import type { Principal } from '../identity/principal';
import { sendRefusal } from './page-layout';

/**
 * Who starts a session from one of Tether's pages: the person the link was sent for, in the
 * link's workspace. A page's link holds no key; its signature stands for the key that made it.
 */
export function personPrincipal(workspaceId: string, person: User | undefined): Principal {
  return {
    workspaceId,
    scope: 'admin',
    ...(person ? { userId: person.id, userRole: person.role } : {}),
  };
}

/** `popup` when the page's script opens the network in a popup; the form's plain post redirects. */
export function sessionMode(mode: unknown): 'popup' | 'redirect' {
  return mode === 'popup' ? 'popup' : 'redirect';
}

/**
 * Answers a page's request to start a session: the session as JSON for the page's script, or a
 * redirect to the network for a plain form post. A refusal is a problem for the script and a
 * page for the person.
 */
export async function answerStart(
  response: Response,
  wantsJson: boolean,
  start: () => Promise<{ session: ConnectSession; authorizationUrl: string }>,
): Promise<void> {
  let started;
  try {
    started = await start();
  } catch (error) {
    if (wantsJson || !(error instanceof DomainError)) throw error;
    sendRefusal(
      response,
      API_ERROR_STATUS[error.code],
      'This account cannot be connected right now',
      error.message,
    );
    return;
  }
  response.setHeader('cache-control', 'no-store');
  if (wantsJson) {
    response.status(201).json({
      id: started.session.id,
      authorizationUrl: started.authorizationUrl,
    });
    return;
  }
  response.redirect(303, started.authorizationUrl);
}
