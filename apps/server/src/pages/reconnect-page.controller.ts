import { EntityManager } from '@mikro-orm/core';
import {
  Controller,
  Get,
  Headers,
  Inject,
  Param,
  Post,
  Query,
  Res,
  UseFilters,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Connection, ConnectSession, type ConnectionStatus } from '@tether/persistence';
import type { Response } from 'express';
import { TETHER_CONFIG } from '../config/config.token';
import type { TetherConfig } from '../config/tether-config';
import { ConnectService } from '../connections/connect.service';
import { DomainError } from '../domain-error';
import { Public } from '../identity/principal';
import { escapeHtml } from '../notifications/email-templates';
import { networkName } from '../notifications/notice';
import {
  accountList,
  actorOf,
  described,
  moment,
  WHO_ACTS,
} from '../notifications/notification-templates';
import { ProviderRegistry } from '../providers/provider-registry';
import { SignedLinks } from '../security/signed-links';
import { networkBadge, sendPage, sendRefusal } from './page-layout';
import { answerStart, personPrincipal, sessionMode } from './person-sessions';
import { RECONNECT_SCRIPT } from './reconnect-script';
import { PageProblemFilter } from './page-problem.filter';

/** How each status reads after the account's name. */
const STATUS_WORDS: Readonly<Record<ConnectionStatus, string>> = {
  active: 'works',
  expiring: 'works for now, but will stop working soon',
  degraded: 'cannot be checked right now',
  expired: 'has expired',
  revoked: 'was disconnected',
};

/** `14 days`, `1 day`, `12 hours`: how long links last, in words. */
function lifetime(seconds: number): string {
  const [count, unit] = seconds >= 86_400 ? [seconds / 86_400, 'day'] : [seconds / 3600, 'hour'];
  const rounded = Math.max(1, Math.round(count));
  return `${rounded} ${unit}${rounded === 1 ? '' : 's'}`;
}

/**
 * The reconnect page every alert, reminder and follow-up links to: which account on which
 * network, what happened, what to do first, and one button that re-authorizes the connection
 * in place. Public: the link's signature, scoped to one connection and expiring, is what lets
 * the person in; requests count against the per-address limit.
 */
@ApiExcludeController()
@Controller('reconnect')
@UseFilters(PageProblemFilter)
export class ReconnectPageController {
  constructor(
    private readonly em: EntityManager,
    private readonly links: SignedLinks,
    private readonly registry: ProviderRegistry,
    private readonly connect: ConnectService,
    @Inject(TETHER_CONFIG) private readonly config: TetherConfig,
  ) {}

  /** The connection the link is for, or `undefined` once a refusal was sent. */
  private async connection(token: string, response?: Response): Promise<Connection | undefined> {
    const link = this.links.check('reconnect', token);
    if (!link.valid) {
      if (!response)
        throw new DomainError('INVALID_REQUEST', 'This reconnect link is expired or not valid.');
      if (link.problem === 'expired')
        sendRefusal(
          response,
          410,
          'This reconnect link has expired',
          `Links in Tether’s messages work for ${lifetime(this.config.linkLifetimeSeconds)}. The next reminder or follow-up brings a new one, or ask whoever runs Tether for your organisation to send you one.`,
        );
      else
        sendRefusal(
          response,
          400,
          'This reconnect link is not valid',
          'The link is incomplete or was changed. Open it again from the message, with the whole address.',
        );
      return undefined;
    }
    const connection = await this.em
      .fork()
      .findOne(Connection, { id: link.subject }, { populate: ['owner', 'workspace', 'grant'] });
    if (!connection) {
      if (!response)
        throw new DomainError('CONNECTION_NOT_FOUND', 'This connection no longer exists.');
      sendRefusal(
        response,
        404,
        'This connection no longer exists',
        'It was deleted since the message was sent: there is nothing to reconnect. Connect the account again from the app you use it with.',
      );
    }
    return connection ?? undefined;
  }

  @Get(':token')
  @Public()
  async show(
    @Param('token') token: string,
    @Query('session') sessionId: unknown,
    @Res() response: Response,
  ): Promise<void> {
    const connection = await this.connection(token, response);
    if (!connection) return;
    const network = networkName(this.registry, connection);
    const session =
      typeof sessionId === 'string' && sessionId.length <= 36
        ? await this.em
            .fork()
            .findOne(ConnectSession, { id: sessionId, connectionId: connection.id })
        : null;
    const description = described(connection.reason);
    const remedy = connection.remedy ?? description?.remedy ?? 'Reconnect the account.';
    const expiry =
      connection.status === 'expiring' && connection.hardExpiresAt
        ? `works for now, but will stop working on ${moment(connection.hardExpiresAt)}`
        : STATUS_WORDS[connection.status];
    const account = accountList([connection]);
    const outcome = !session
      ? ''
      : session.status === 'completed'
        ? `<div class="card ok" role="status"><h2>Reconnected</h2><p>${escapeHtml(`${account} on ${network} works again. Nothing more to do.`)}</p></div>`
        : session.status === 'failed'
          ? `<div class="card problem" role="alert"><h2>Not reconnected</h2><p>${escapeHtml(session.outcomeDetail ?? 'Reconnecting did not finish.')} Press Reconnect to try again.</p></div>`
          : `<div class="card" role="status"><p>Reconnecting has not finished yet.</p></div>`;
    // Revoked, expired or degraded: the reason says what happened and who acts.
    const broken = connection.status !== 'active' && connection.status !== 'expiring';
    const whoActs = WHO_ACTS[actorOf(connection.reason)];
    sendPage(response, 200, {
      title: `Reconnect ${connection.name}`,
      body: `<h1>Reconnect ${escapeHtml(connection.name)}</h1>
<p class="network">${networkBadge(connection.provider, network)}<span>${escapeHtml(connection.accountName)} on ${escapeHtml(network)}</span></p>
${outcome}
<section class="card" aria-labelledby="what-happened"><h2 id="what-happened">What happened</h2>
<p>${escapeHtml(`${account} on ${network} ${expiry}.`)}${broken && description ? ` ${escapeHtml(description.meaning)}` : ''}</p></section>
<section class="card" aria-labelledby="what-to-do"><h2 id="what-to-do">What to do first</h2>
<p>${escapeHtml(broken ? remedy : connection.status === 'expiring' ? 'Reconnect the account before then to renew its access.' : 'Nothing to do: it works. Reconnecting renews its access early.')}</p>${broken ? `<p>Who does it: ${escapeHtml(whoActs)}</p>` : ''}</section>
<form id="reconnect" method="post" action="${escapeHtml(token)}"><button type="submit">Reconnect ${escapeHtml(network)}</button></form>
<p id="progress" role="status" aria-live="polite"></p>`,
      script: RECONNECT_SCRIPT,
    });
  }

  @Post(':token')
  @Public()
  async start(
    @Param('token') token: string,
    @Query('mode') mode: unknown,
    @Headers('accept') accept: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    const wantsJson = accept?.includes('application/json') ?? false;
    const connection = await this.connection(token, wantsJson ? undefined : response);
    if (!connection) return;
    await answerStart(response, wantsJson, () =>
      this.connect.start(
        personPrincipal(connection.workspace.id, connection.owner),
        {
          provider: connection.provider,
          mode: sessionMode(mode),
          returnTo: `${this.config.publicUrl}/reconnect/${token}`,
        },
        connection,
      ),
    );
  }
}
