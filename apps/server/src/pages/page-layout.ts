import { randomBytes } from 'node:crypto';
import type { Response } from 'express';
import { escapeHtml } from '../notifications/email-templates';

/** Dark enough for white initials to pass WCAG AA contrast on each. */
const BADGE_COLOURS = ['#1d4ed8', '#047857', '#b91c1c', '#6d28d9', '#0f766e', '#9a3412', '#374151'];

const STYLE = `body{font-family:system-ui,sans-serif;line-height:1.5;color:#111827;background:#f9fafb;margin:0}
main{max-width:36rem;margin:3rem auto;padding:0 1rem}
.card{background:#fff;border:1px solid #d1d5db;border-radius:.5rem;padding:1rem 1.25rem;margin:1rem 0}
.network{display:flex;align-items:center;gap:.75rem}
.badge{display:inline-flex;align-items:center;justify-content:center;width:2.5rem;height:2.5rem;border-radius:50%;color:#fff;font-weight:700;flex:none}
button{font:inherit;font-weight:600;padding:.6rem 1.2rem;border-radius:.4rem;border:0;background:#1d4ed8;color:#fff;cursor:pointer}
button:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
ul.networks{list-style:none;padding:0}
ul.networks button{display:flex;align-items:center;gap:.75rem;width:100%;background:#fff;color:#111827;border:1px solid #9ca3af;margin:.5rem 0}
.ok{border-color:#047857;background:#ecfdf5}
.problem{border-color:#b91c1c;background:#fef2f2}
h2{font-size:1.05rem;margin:.25rem 0}`;

/** A network's logo stand-in: its initials on a colour of its own. */
export function networkBadge(id: string, name: string): string {
  const words = name.split(/[\s-]+/).filter(Boolean);
  // `FN` for Fixture Network, `Li` for LinkedIn.
  const initials =
    words.length > 1
      ? words
          .map((word) => word[0]!.toUpperCase())
          .join('')
          .slice(0, 2)
      : name.slice(0, 2);
  const colour =
    BADGE_COLOURS[[...id].reduce((sum, c) => sum + c.charCodeAt(0), 0) % BADGE_COLOURS.length];
  return `<span class="badge" style="background:${colour}" aria-hidden="true">${escapeHtml(initials)}</span>`;
}

/**
 * Sends one of Tether's pages: the title, the body's HTML and optionally a script, run under a
 * content security policy that allows that script alone. The pages' links carry their token,
 * so no referrer leaves them, nothing caches them and no search engine keeps them.
 */
export function sendPage(
  response: Response,
  status: number,
  page: { title: string; body: string; script?: string },
): void {
  const nonce = randomBytes(16).toString('base64');
  response
    .status(status)
    .setHeader('cache-control', 'no-store')
    .setHeader('referrer-policy', 'no-referrer')
    .setHeader('x-robots-tag', 'noindex')
    .setHeader(
      'content-security-policy',
      `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'`,
    )
    .type('html')
    .send(
      `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} · Tether</title><style>${STYLE}</style></head>
<body><main>
${page.body}
</main>${page.script ? `<script nonce="${nonce}">${page.script}</script>` : ''}</body></html>`,
    );
}

/** A page that refuses: what went wrong and what to do instead. */
export function sendRefusal(response: Response, status: number, title: string, text: string): void {
  sendPage(response, status, {
    title,
    body: `<h1>${escapeHtml(title)}</h1><div class="card problem"><p>${escapeHtml(text)}</p></div>`,
  });
}
