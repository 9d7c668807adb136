/**
 * E-mail about each new voicemail (optional: SMTP_URL), through nodemailer, to the company's
 * `voicemailEmails` and its mailbox queue's. Sent in the background after the voicemail is stored:
 * a slow or failing SMTP server is logged and never reaches the call or the webhook's answer.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { Voicemail } from '../generated/prisma/client.js';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';

export interface VoicemailEmailOptions {
  smtpUrl: string;
  from: string;
  db: Db;
  logger: Logger;
  inFlight?: { begin(): void; end(): void };
}

export class VoicemailEmailer {
  private readonly transport: Transporter;
  private readonly sending = new Set<Promise<void>>();

  constructor(private readonly opts: VoicemailEmailOptions) {
    // Short timeouts: an e-mail is a courtesy, and a hung server must not pile up connections.
    const url = new URL(opts.smtpUrl);
    for (const [k, v] of Object.entries({ connectionTimeout: '10000', greetingTimeout: '10000', socketTimeout: '20000' }))
      if (!url.searchParams.has(k)) url.searchParams.set(k, v);
    this.transport = nodemailer.createTransport(url.toString());
  }

  /** Starts the e-mail of a new voicemail; never throws, never waits. */
  notify(voicemail: Voicemail): void {
    const sending = this.send(voicemail).catch((err) =>
      this.opts.logger.warn({ err, voicemailId: voicemail.id, companyId: voicemail.companyId }, 'voicemail e-mail not sent'),
    );
    this.sending.add(sending);
    void sending.finally(() => this.sending.delete(sending));
  }

  /** Resolves once the e-mails in progress are done (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.sending]);
  }

  close(): void {
    this.transport.close();
  }

  private async send(voicemail: Voicemail): Promise<void> {
    const company = await this.opts.db.company.findUnique({
      where: { id: voicemail.companyId },
      select: { name: true, voicemailEmails: true, queues: { select: { id: true, isDefault: true, voicemailEmails: true } } },
    });
    if (!company) return;
    const queue = company.queues.find((q) => (voicemail.queueId ? q.id === voicemail.queueId : q.isDefault));
    const to = [...new Set([...company.voicemailEmails, ...(queue?.voicemailEmails ?? [])])];
    if (to.length === 0) return;
    this.opts.inFlight?.begin();
    try {
      await this.transport.sendMail({
        from: this.opts.from,
        to,
        subject: `New voicemail from ${voicemail.from || 'an unknown caller'} (${voicemail.durationSeconds} s)`,
        text: [
          `${company.name}: a caller left a voicemail.`,
          `From: ${voicemail.from || 'unknown'}`,
          `To: ${voicemail.to || 'unknown'}`,
          `Length: ${voicemail.durationSeconds} s`,
          `At: ${voicemail.createdAt.toISOString()}`,
          '',
          'Listen to it on the supervisor board (voicemail panel).',
        ].join('\n'),
      });
      this.opts.logger.info({ voicemailId: voicemail.id, recipients: to.length }, 'voicemail e-mail sent');
    } finally {
      this.opts.inFlight?.end();
    }
  }
}
