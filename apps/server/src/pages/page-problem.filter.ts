import { Catch } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { ProblemDocument } from '../http/api-schemas';
import { ProblemFilter } from '../http/problem.filter';
import { escapeHtml } from '../notifications/email-templates';
import { sendPage } from './page-layout';

const PAGE_TITLES: Record<number, string> = {
  429: 'Too many requests',
  503: 'Tether is unavailable for a moment',
};

/**
 * Errors on the pages a person opens in a browser (the hosted connect and reconnect pages, the
 * OAuth callback): the same status and headers as the API's problem, `Retry-After` included,
 * as a page of their own instead of JSON. The pages' own scripts ask for JSON and get the
 * problem document.
 */
@Catch()
export class PageProblemFilter extends ProblemFilter {
  protected override send(request: Request, response: Response, document: ProblemDocument): void {
    if (request.accepts(['html', 'json']) === 'json') {
      super.send(request, response, document);
      return;
    }
    const title = PAGE_TITLES[document.status] ?? document.title;
    const again =
      document.retryAfterSeconds === undefined
        ? ''
        : `<p>Reload this page in ${document.retryAfterSeconds} s.</p>`;
    sendPage(response, document.status, {
      title,
      body: `<h1>${escapeHtml(title)}</h1>
<div class="card problem"><p>${escapeHtml(document.detail)}</p>${again}</div>
${typeof request.id === 'string' ? `<p><small>Request id: <code>${escapeHtml(request.id)}</code></small></p>` : ''}`,
    });
  }
}
