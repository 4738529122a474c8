import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTransport, type Transporter } from 'nodemailer';

/**
 * How long an SMTP server may take: a send gives up well inside {@link SEND_CLAIM_MS}, so no
 * other instance takes an email over while it may still be going out.
 */
const SMTP_TIMEOUTS = { connectionTimeout: 20_000, greetingTimeout: 20_000, socketTimeout: 40_000 };

/** How long a claim on an email (or the notifier's turn) holds before another instance may take it. */
export const SEND_CLAIM_MS = 120_000;

/** Injection token of the host's {@link Mailer}. */
export const MAILER = Symbol('Mailer');

/** One email. */
export interface Mail {
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/**
 * Sends email over SMTP (`SMTP_URL`); without it, writes each message as an `.eml` file into
 * the outbox folder under the data directory, so embedded installs can read what would go out.
 */
export class Mailer {
  private readonly transport: Transporter;

  constructor(
    private readonly settings: {
      readonly smtpUrl?: string;
      readonly from: string;
      readonly outboxDir: string;
    },
  ) {
    this.transport = settings.smtpUrl
      ? createTransport({ url: settings.smtpUrl, ...SMTP_TIMEOUTS })
      : createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  async send(mail: Mail): Promise<void> {
    const info = (await this.transport.sendMail({
      from: this.settings.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
    })) as { message?: Buffer };
    if (!this.settings.smtpUrl && info.message) {
      mkdirSync(this.settings.outboxDir, { recursive: true, mode: 0o700 });
      writeFileSync(join(this.settings.outboxDir, `${mail.id}.eml`), info.message, { mode: 0o600 });
    }
  }
}
