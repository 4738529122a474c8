import { EntityManager } from '@mikro-orm/core';
import { Controller, Get, Headers, Param, Post, Query, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ConnectSession } from '@tether/persistence';
import type { Response } from 'express';
import { ConnectService } from '../connections/connect.service';
import { DomainError } from '../domain-error';
import { Public } from '../identity/principal';
import { escapeHtml } from '../notifications/email-templates';
import { ProviderRegistry } from '../providers/provider-registry';
import { SignedLinks } from '../security/signed-links';
import { networkBadge, sendPage, sendRefusal } from './page-layout';
import type { HostedConnect } from './page-links';
import { answerStart, personPrincipal, sessionMode } from './person-sessions';
import { PageProblemFilter } from './page-problem.filter';

/**
 * The hosted connect page: the networks a connect session offers, with their names and logos,
 * so an integrator can send a person there instead of building the choice themselves. Picking
 * a network starts a session of its own for the same person, return URL and mode, and goes on
 * to the network; `?mode=popup` (as `@tether/connect` opens it) makes that session report back
 * to the opener. Public: the link's signature lets the person in.
 */
@ApiExcludeController()
@Controller('connect')
@UseFilters(PageProblemFilter)
export class ConnectPageController {
  constructor(
    private readonly em: EntityManager,
    private readonly links: SignedLinks,
    private readonly registry: ProviderRegistry,
    private readonly connect: ConnectService,
  ) {}

  /** The session the link was made for and the networks it offers, or `undefined` once a refusal was sent. */
  private async hosted(
    token: string,
    response?: Response,
  ): Promise<{ session: ConnectSession; providers: readonly string[] } | undefined> {
    const link = this.links.check('connect', token);
    const hosted = link.valid ? (JSON.parse(link.subject) as HostedConnect) : undefined;
    const session = hosted
      ? await this.em
          .fork()
          .findOne(ConnectSession, { id: hosted.sessionId }, { populate: ['owner'] })
      : null;
    if (hosted && session) return { session, providers: hosted.providers };
    if (!response)
      throw new DomainError('INVALID_REQUEST', 'This connect link is expired or not valid.');
    const expired = !link.valid && link.problem === 'expired';
    sendRefusal(
      response,
      expired ? 410 : 400,
      expired ? 'This connect link has expired' : 'This connect link is not valid',
      expired
        ? 'Go back to the app that sent you here and start connecting again.'
        : 'The link is incomplete or was changed. Go back to the app that sent you here and start again.',
    );
    return undefined;
  }

  @Get(':token')
  @Public()
  async show(
    @Param('token') token: string,
    @Query('mode') mode: unknown,
    @Res() response: Response,
  ): Promise<void> {
    const hosted = await this.hosted(token, response);
    if (!hosted) return;
    const query = sessionMode(mode) === 'popup' ? '?mode=popup' : '';
    const networks = hosted.providers.flatMap((id) => {
      const active = this.registry.find(id);
      if (!active) return [];
      const name = active.provider.displayName;
      return [
        `<li><form method="post" action="${escapeHtml(token)}/${escapeHtml(id)}${query}"><button type="submit">${networkBadge(id, name)}<span>Connect ${escapeHtml(name)}</span></button></form></li>`,
      ];
    });
    sendPage(response, 200, {
      title: 'Connect an account',
      body: `<h1>Connect an account</h1>
<p>Choose the network of the account to connect. You sign in there and choose what to allow; Tether keeps the connection working.</p>
<ul class="networks">${networks.join('')}</ul>`,
    });
  }

  @Post(':token/:provider')
  @Public()
  async start(
    @Param('token') token: string,
    @Param('provider') provider: string,
    @Query('mode') mode: unknown,
    @Headers('accept') accept: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    const wantsJson = accept?.includes('application/json') ?? false;
    const hosted = await this.hosted(token, wantsJson ? undefined : response);
    if (!hosted) return;
    const { session } = hosted;
    await answerStart(response, wantsJson, async () => {
      if (!hosted.providers.includes(provider))
        throw new DomainError('PROVIDER_NOT_FOUND', `This page does not offer ${provider}.`);
      // The optional scopes the integrator asked for apply to the network they asked them of.
      const optional = new Set(
        this.registry.get(provider).provider.scopes.optional.map((scope) => scope.name),
      );
      const scopes = (JSON.parse(session.scopes) as string[]).filter((scope) =>
        optional.has(scope),
      );
      return this.connect.start(personPrincipal(session.workspace.id, session.owner), {
        provider,
        ...(session.owner ? { ownerId: session.owner.id } : {}),
        ...(provider === session.provider && scopes.length > 0 ? { scopes } : {}),
        ...(session.returnTo ? { returnTo: session.returnTo } : {}),
        mode: sessionMode(mode),
      });
    });
  }
}
