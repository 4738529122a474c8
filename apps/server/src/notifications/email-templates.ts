import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The emails an operator can word differently, each a file in the templates folder. */
const EMAIL_KINDS = ['alert', 'operator-alert', 'reminder', 'follow-up', 'recovery'] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];

/** What every email can say; each value is a finished phrase or sentence, possibly empty. */
const COMMON = [
  'network',
  'accounts',
  'headline',
  'what_happened',
  'what_to_do',
  'who_acts',
  'link',
];

/** The placeholders each kind of email fills, beyond the common ones. */
const VARIABLES: Readonly<Record<EmailKind, readonly string[]>> = {
  alert: [...COMMON, 'status', 'why', 'by_when'],
  'operator-alert': [...COMMON, 'why', 'details'],
  reminder: [...COMMON, 'date', 'by_when'],
  'follow-up': [...COMMON, 'status', 'why', 'since'],
  recovery: [...COMMON, 'status'],
};

/** One email's wording: a subject and a plain-text body, and optionally an HTML body. */
interface EmailTemplate {
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
}

/** The templates an operator provided, by kind; the others use the built-in wording. */
export type EmailTemplates = Readonly<Partial<Record<EmailKind, EmailTemplate>>>;

/** A message in plain text and HTML. Never holds a token or secret: only names, reasons and remedies. */
export interface Message {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/**
 * The built-in wording, in the same form as an operator's files: what happened, what to do,
 * by when and who does it, for a reader who does not know what a token is.
 */
const BUILT_IN: Readonly<Record<EmailKind, string>> = {
  alert: `Subject: {{network}}: {{headline}} {{status}}

What happened: {{what_happened}} {{why}}

What to do: {{what_to_do}}

By when: {{by_when}}

Who does it: {{who_acts}}

Reconnect here: {{link}}`,
  'operator-alert': `Subject: {{network}}: the network refuses Tether’s app, an operator must act

What happened: {{what_happened}} {{why}}

What to do: {{what_to_do}}

Who does it: {{who_acts}}

Details from {{network}}: {{details}}`,
  reminder: `Subject: {{network}}: reconnect {{headline}} before {{date}}

What is coming: {{what_happened}}

What to do: {{what_to_do}}

By when: {{by_when}}

Who does it: {{who_acts}}

Reconnect here: {{link}}`,
  'follow-up': `Subject: {{network}}: {{headline}} {{status}}

What happened: {{what_happened}} {{why}}

What to do: {{what_to_do}}

Who does it: {{who_acts}}

Reconnect here: {{link}}`,
  recovery: `Subject: {{network}}: {{headline}} {{status}}

{{what_happened}} Nothing more to do.`,
};

const PLACEHOLDER = /\{\{\s*([a-z_]+)\s*\}\}/g;

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Splits `Subject: …`, a blank line and the body; `undefined` when the first line is not one. */
function parseText(source: string): { subject: string; text: string } | undefined {
  const match = /^Subject:[ \t]*(.*)\r?\n\r?\n([\s\S]*)$/.exec(source.replace(/^\uFEFF/, ''));
  return match ? { subject: match[1]!.trim(), text: match[2]!.trim() } : undefined;
}

const DEFAULTS = Object.fromEntries(
  EMAIL_KINDS.map((kind) => [kind, parseText(BUILT_IN[kind])!]),
) as Record<EmailKind, EmailTemplate>;

function unknownPlaceholders(kind: EmailKind, source: string): string[] {
  return [...source.matchAll(PLACEHOLDER)]
    .map((match) => match[1]!)
    .filter((name) => !VARIABLES[kind].includes(name));
}

/**
 * Reads the operator's templates from `TETHER_EMAIL_TEMPLATES_DIR`: `<kind>.txt` (a `Subject:`
 * line, a blank line, the text) and optionally `<kind>.html`. Every problem (an unknown file, a
 * missing subject, an unknown placeholder) is added to `problems`, naming the file and the fix.
 */
export function readEmailTemplates(dir: string, problems: string[]): EmailTemplates {
  const setting = 'TETHER_EMAIL_TEMPLATES_DIR';
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    problems.push(`${setting} points to ${dir}, which is not a folder. Fix the path or unset it.`);
    return {};
  }
  const files = readdirSync(dir).filter((file) => !file.startsWith('.'));
  const known = EMAIL_KINDS.flatMap((kind) => [`${kind}.txt`, `${kind}.html`]);
  for (const file of files.filter((name) => !known.includes(name))) {
    problems.push(
      `${setting}: ${file} is not a template Tether uses. Name files after one of: ${known.join(', ')}.`,
    );
  }
  const templates: Partial<Record<EmailKind, EmailTemplate>> = {};
  for (const kind of EMAIL_KINDS) {
    const textFile = `${kind}.txt`;
    const htmlFile = `${kind}.html`;
    const html = files.includes(htmlFile) ? readFileSync(join(dir, htmlFile), 'utf8') : undefined;
    if (!files.includes(textFile)) {
      if (html !== undefined)
        problems.push(
          `${setting}: ${htmlFile} needs ${textFile} beside it, for the subject and the plain text.`,
        );
      continue;
    }
    const parsed = parseText(readFileSync(join(dir, textFile), 'utf8'));
    if (!parsed) {
      problems.push(
        `${setting}: ${textFile} must start with a "Subject: …" line, then a blank line, then the text.`,
      );
      continue;
    }
    for (const [file, source] of [
      [textFile, `${parsed.subject}\n${parsed.text}`],
      [htmlFile, html ?? ''],
    ] as const) {
      const unknown = unknownPlaceholders(kind, source);
      if (unknown.length > 0)
        problems.push(
          `${setting}: ${file} uses ${unknown.map((name) => `{{${name}}}`).join(', ')}, which Tether does not fill. Known here: ${VARIABLES[kind].map((name) => `{{${name}}}`).join(', ')}.`,
        );
    }
    templates[kind] = { ...parsed, ...(html !== undefined ? { html } : {}) };
  }
  return templates;
}

function fill(source: string, values: Readonly<Record<string, string>>, escape = false): string {
  return source.replace(PLACEHOLDER, (_, name: string) => {
    const value = values[name] ?? '';
    return escape ? escapeHtml(value) : value;
  });
}

/** Paragraphs of text, without those whose every placeholder came out empty (no deadline, no link). */
function paragraphs(text: string, values: Readonly<Record<string, string>>): string[] {
  return text
    .split(/\r?\n\s*\r?\n/)
    .filter((paragraph) => {
      const names = [...paragraph.matchAll(PLACEHOLDER)].map((match) => match[1]!);
      return names.length === 0 || names.some((name) => (values[name] ?? '') !== '');
    })
    .map((paragraph) =>
      fill(paragraph, values)
        .replace(/[ \t]+/g, ' ')
        .trim(),
    );
}

/** HTML paragraphs from text, escaped, with web addresses as links. */
function htmlFromText(lines: readonly string[]): string {
  const body = lines
    .map(
      (paragraph) =>
        `<p>${escapeHtml(paragraph).replace(/https?:\/\/[^\s<]+/g, (url) => `<a href="${url}">${url}</a>`)}</p>`,
    )
    .join('');
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif">${body}</body></html>`;
}

/** The email of one kind, in the operator's wording where they gave one. */
export function renderEmail(
  kind: EmailKind,
  values: Readonly<Record<string, string>>,
  templates: EmailTemplates = {},
): Message {
  const template = templates[kind] ?? DEFAULTS[kind];
  const text = paragraphs(template.text, values);
  return {
    subject: fill(template.subject, values).replace(/\s+/g, ' ').trim(),
    text: text.join('\n\n'),
    html: template.html !== undefined ? fill(template.html, values, true) : htmlFromText(text),
  };
}
