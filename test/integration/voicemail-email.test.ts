/**
 * E-mail about new voicemails (SMTP_URL), to a local SMTP sink (smtp-server, from the nodemailer
 * project): the company's addresses get one message per voicemail; an SMTP server that is down
 * changes nothing for the call, the voicemail or its audio.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, waitFor } from '../support/harness.js';
import { type Simulation, startSimulation } from '../support/simulation.js';

interface Mail {
  from: string;
  to: string[];
  text: string;
}

const mails: Mail[] = [];
let smtp: SMTPServer;
let sim: Simulation;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let text = '';
      stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          text,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const { port } = smtp.server.address() as AddressInfo;
  sim = await startSimulation({ env: { SMTP_URL: `smtp://127.0.0.1:${port}`, VOICEMAIL_EMAIL_FROM: 'voicemail@curbe.test' } });
});

afterAll(async () => {
  await sim?.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

describe('voicemail e-mail', () => {
  it("mails the company's addresses once per voicemail; a company without addresses gets none", async () => {
    const c = await sim.company({ number: '+13055559901', agents: [] });
    const { updateCompany } = await sim.server.admin(
      `mutation($c: ID!) { updateCompany(id: $c, input: { voicemailEmails: ["ops@example.com", "boss@example.com"] }) { voicemailEmails } }`,
      { c: c.companyId },
    );
    expect(updateCompany.voicemailEmails).toEqual(['ops@example.com', 'boss@example.com']);
    const silent = await sim.company({ number: '+13055559902', agents: [] });
    await sim.call(`call from +15550001234 to ${silent.number}; caller leaves a 2 s message`);
    const r = await sim.call(`call from +15557654321 to ${c.number}; caller leaves a 9 s message`);
    expect(r.outcome).toBe('VOICEMAIL');
    await waitFor(() => mails.length >= 1);
    await sim.server.app.services.voicemailEmail!.settled();
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail!.from).toBe('voicemail@curbe.test');
    expect(mail!.to).toEqual(['ops@example.com', 'boss@example.com']);
    expect(mail!.text).toMatch(/Subject: New voicemail from \+15557654321 \(9 s\)/);
    expect(mail!.text).toContain(`To: ${c.number}`);
    const bad = await sim.server.gql(
      `mutation($c: ID!) { updateCompany(id: $c, input: { voicemailEmails: ["not an address"] }) { id } }`,
      { c: c.companyId },
      ADMIN_KEY,
    );
    expect(bad.errors?.[0]?.message).toMatch(/voicemailEmails must be e-mail addresses/);
  });

  it("a queue's mailbox adds its own addresses to the company's", async () => {
    const c = await sim.company({ number: '+13055559904', agents: [] });
    await sim.server.admin(`mutation($c: ID!) { updateCompany(id: $c, input: { voicemailEmails: ["ops@example.com"] }) { id } }`, {
      c: c.companyId,
    });
    const { createQueue } = await sim.server.admin(
      `mutation($c: ID!) { createQueue(input: { companyId: $c, name: "Support", waitEnabled: false, voicemailEmails: ["support@example.com", "ops@example.com"] }) { id voicemailEmails } }`,
      { c: c.companyId },
    );
    expect(createQueue.voicemailEmails).toEqual(['support@example.com', 'ops@example.com']);
    const refused = await sim.server.gql(
      `mutation($q: ID!) { updateQueue(id: $q, input: { voicemailEmails: ["nobody"] }) { id } }`,
      { q: createQueue.id },
      ADMIN_KEY,
    );
    expect(refused.errors?.[0]?.message).toMatch(/input.voicemailEmails: "nobody" is not an e-mail address/);
    await sim.server.admin(`mutation($i: CreatePhoneNumberInput!) { createPhoneNumber(input: $i) { id } }`, {
      i: { companyId: c.companyId, e164: '+13055559905', queueId: createQueue.id },
    });
    const before = mails.length;
    const r = await sim.call(`call from +15557650003 to +13055559905; caller leaves a 4 s message`);
    expect(r.outcome).toBe('VOICEMAIL');
    await waitFor(() => mails.length > before);
    await sim.server.app.services.voicemailEmail!.settled();
    expect(mails.slice(before).map((m) => m.to)).toEqual([['ops@example.com', 'support@example.com']]);
  });

  it('an SMTP server that is down changes nothing for the call, the voicemail or its audio', async () => {
    const c = await sim.company({ number: '+13055559903', agents: [] });
    await sim.server.admin(`mutation($c: ID!) { updateCompany(id: $c, input: { voicemailEmails: ["ops@example.com"] }) { id } }`, {
      c: c.companyId,
    });
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    const before = mails.length;
    const r = await sim.call(`call from +15557650002 to ${c.number}; caller leaves a 3 s message`);
    expect(r.outcome).toBe('VOICEMAIL');
    expect(r.errors).toEqual([]);
    await sim.server.app.services.voicemailEmail!.settled();
    const recording = await waitFor(async () => {
      const row = await sim.server.database.prisma.recording.findFirst({ where: { callSid: r.callSid } });
      return row?.status === 'STORED' ? row : null;
    });
    expect(recording?.companyId).toBe(c.companyId);
    expect(await sim.server.database.prisma.voicemail.count({ where: { callSid: r.callSid } })).toBe(1);
    expect(mails.length).toBe(before);
  });
});
