import { randomBytes } from 'node:crypto';
import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ApiKey, SignInLink, User } from '@tether/persistence';
import { Clock } from '../clock/clock';
import { TETHER_CONFIG } from '../config/config.token';
import type { TetherConfig } from '../config/tether-config';
import { DomainError } from '../domain-error';
import { loggableMessage } from '../logging/loggable-error';
import { escapeHtml } from '../notifications/email-templates';
import { MAILER, Mailer } from '../notifications/mailer';
import { displayPrefix, generateApiKey, hashApiKey } from './api-key';

/** How long a link works after it is sent. */
export const SIGN_IN_LINK_MINUTES = 15;

/** How long the console credential a link is exchanged for works. */
export const CONSOLE_SESSION_HOURS = 12;

/** How many links one person can be sent within one link lifetime: the rest are dropped. */
const LINKS_PER_LIFETIME = 5;

/** What a redeemed link gives: a key for the console, bound to the person, and when it ends. */
export interface ConsoleCredential {
  readonly key: string;
  readonly expiresAt: Date;
  readonly user: User;
}

/**
 * One-time sign-in links: a person asks with their email address, Tether mails a link to the
 * console holding a random token (only its hash is stored), and the console exchanges the token,
 * once and within {@link SIGN_IN_LINK_MINUTES}, for an API key of that person that expires.
 */
@Injectable()
export class SignInLinks {
  private readonly logger = new Logger('SignInLinks');
  /**
   * Requests are handled one after another, so the count of recent links each checks is exact
   * on this instance; across instances the public rate limit bounds what could slip through.
   */
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly em: EntityManager,
    @Inject(MAILER) private readonly mailer: Mailer,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(TETHER_CONFIG) private readonly config: TetherConfig,
  ) {}

  /**
   * Sends a link to every person with this address (one per workspace they belong to). Nothing
   * tells the caller whether anyone has it: this returns at once, before the address is even
   * looked up, so neither the answer nor the time it takes differs.
   */
  request(email: string): void {
    this.sending = this.sending
      .then(() => this.send(email))
      .catch((error: unknown) =>
        this.logger.error(`Could not send sign-in links: ${loggableMessage(error)}`),
      );
  }

  private async send(email: string): Promise<void> {
    const em = this.em.fork();
    const now = this.clock.now();
    const people = await em.find(
      User,
      { email: email.toLowerCase() },
      { populate: ['workspace'], orderBy: { createdAt: 'asc', id: 'asc' } },
    );
    for (const person of people) {
      const recent = await em.count(SignInLink, {
        user: person,
        createdAt: { $gt: new Date(now.getTime() - SIGN_IN_LINK_MINUTES * 60_000) },
      });
      if (recent >= LINKS_PER_LIFETIME) {
        this.logger.warn(
          `Sent no sign-in link to user ${person.id}: ${recent} were sent in the last ${SIGN_IN_LINK_MINUTES} minutes.`,
        );
        continue;
      }
      const token = randomBytes(32).toString('base64url');
      const link = em.create(SignInLink, {
        user: person,
        tokenHash: hashApiKey(token),
        expiresAt: new Date(now.getTime() + SIGN_IN_LINK_MINUTES * 60_000),
        createdAt: now,
      });
      await em.flush();
      try {
        await this.mailer.send(this.mail(link, token));
        this.logger.log(`Sent a sign-in link to user ${person.id}.`);
      } catch (error) {
        // The person asks again; the next address still gets its link.
        this.logger.error(
          `Could not send a sign-in link to user ${person.id}: ${loggableMessage(error)}`,
        );
      }
    }
  }

  /**
   * Exchanges a link's token, once, for a console credential of its person. A link already used,
   * expired or unknown is refused with a code that says which.
   */
  async redeem(token: string): Promise<ConsoleCredential> {
    const tokenHash = hashApiKey(token);
    return this.em.fork().transactional(async (em) => {
      const now = this.clock.now();
      // The compare-and-set is what makes the link single-use when two redeem it at once.
      const claimed = await em.nativeUpdate(
        SignInLink,
        { tokenHash, usedAt: null, expiresAt: { $gt: now } },
        { usedAt: now },
      );
      const link = await em.findOne(SignInLink, { tokenHash }, { populate: ['user'] });
      if (!link) {
        throw new DomainError(
          'SIGN_IN_LINK_NOT_FOUND',
          'This sign-in link is not one Tether sent. Ask for a new one.',
        );
      }
      if (claimed === 0) {
        throw link.usedAt
          ? new DomainError(
              'SIGN_IN_LINK_USED',
              'This sign-in link was used already; each works once. Ask for a new one.',
            )
          : new DomainError(
              'SIGN_IN_LINK_EXPIRED',
              `This sign-in link expired ${SIGN_IN_LINK_MINUTES} minutes after it was sent. Ask for a new one.`,
            );
      }
      const key = generateApiKey();
      const expiresAt = new Date(now.getTime() + CONSOLE_SESSION_HOURS * 3_600_000);
      em.create(ApiKey, {
        workspace: link.user.workspace,
        user: link.user,
        name: 'Console sign-in by email link',
        scope: 'admin',
        keyHash: hashApiKey(key),
        keyPrefix: displayPrefix(key),
        createdAt: now,
        expiresAt,
      });
      await em.flush();
      this.logger.log(`User ${link.user.id} signed in with an email link.`);
      return { key, expiresAt, user: link.user };
    });
  }

  /** The email: who it is for, the link, how long it works, and what to do if it was not them. */
  private mail(link: SignInLink, token: string) {
    const person = link.user;
    const workspace = person.workspace.name;
    // The token travels in the fragment: browsers never send it to a server, so it stays out
    // of access logs, and a mail scanner that fetches the link does not use it up.
    const url = `${this.config.publicUrl}/#/sign-in/${token}`;
    const expiry = `It works once, within ${SIGN_IN_LINK_MINUTES} minutes.`;
    const notYou =
      'If you did not ask to sign in, ignore this email: nothing happens without the link.';
    return {
      id: link.id,
      to: person.email,
      subject: `Sign in to Tether (${workspace})`,
      text: [
        `Hello ${person.name},`,
        `Open this link to sign in to the ${workspace} workspace on Tether:`,
        url,
        expiry,
        notYou,
      ].join('\n\n'),
      html: `<!doctype html><html><body style="font-family:system-ui,sans-serif"><p>Hello ${escapeHtml(person.name)},</p><p>Open this link to sign in to the ${escapeHtml(workspace)} workspace on Tether:</p><p><a href="${escapeHtml(url)}">Sign in to Tether</a></p><p>${expiry}</p><p>${notYou}</p></body></html>`,
    };
  }
}
