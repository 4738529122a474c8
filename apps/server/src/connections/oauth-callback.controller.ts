import { Controller, Get, Param, Query, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { TETHER_CONFIG } from '../config/config.token';
import type { TetherConfig } from '../config/tether-config';
import { Public } from '../identity/principal';
import { Inject } from '@nestjs/common';
import type { CallbackResult } from './connect-outcome';
import { ConnectService } from './connect.service';
import type { ConnectPopupMessage } from './views';
import { PageProblemFilter } from '../pages/page-problem.filter';

function escape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function resultPage(result: CallbackResult, script = ''): string {
  const ok = result.outcome === 'connected' || result.outcome === 'reauthorized';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${ok ? 'Connected' : 'Not connected'}</title></head>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto">
<h1>${ok ? 'Connected' : 'Not connected'}</h1>
<p>${escape(result.detail)}</p>
<p><small>Outcome: <code>${escape(result.outcome)}</code></small></p>${script}
</body></html>`;
}

/** Where networks send the person back. Public: the state parameter is what authenticates it. */
@ApiExcludeController()
@Controller('oauth')
@UseFilters(PageProblemFilter)
export class OAuthCallbackController {
  constructor(
    private readonly connect: ConnectService,
    @Inject(TETHER_CONFIG) private readonly config: TetherConfig,
  ) {}

  @Get(':provider/callback')
  @Public()
  async callback(
    @Param('provider') provider: string,
    @Query() query: Record<string, unknown>,
    @Res() response: Response,
  ): Promise<void> {
    const fields = Object.fromEntries(
      Object.entries(query).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      ),
    );
    const result = await this.connect.complete(provider, fields);
    const session = result.session;
    response.setHeader('cache-control', 'no-store');
    response.setHeader('referrer-policy', 'no-referrer');
    const ok = result.outcome === 'connected' || result.outcome === 'reauthorized';
    if (session?.mode === 'popup') {
      const target = new URL(session.returnTo ?? this.config.publicUrl).origin;
      const message = JSON.stringify({
        type: 'tether:connect',
        sessionId: session.id,
        outcome: result.outcome,
        connectionIds: [...result.connectionIds],
      } satisfies ConnectPopupMessage);
      const script = `<script>if (window.opener) { window.opener.postMessage(${message.replace(/</g, '\\u003c')}, ${JSON.stringify(target)}); window.close(); }</script>`;
      response
        .status(ok ? 200 : 400)
        .type('html')
        .send(resultPage(result, script));
      return;
    }
    if (session?.returnTo) {
      const back = new URL(session.returnTo);
      back.searchParams.set('session', session.id);
      back.searchParams.set('outcome', result.outcome);
      response.redirect(303, back.toString());
      return;
    }
    response
      .status(ok ? 200 : 400)
      .type('html')
      .send(resultPage(result));
  }
}
