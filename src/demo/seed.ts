/**
 * The demo company a fresh `npm start` shows: three agents, one number, voicemail fallback, and
 * unregistered softphones allowed so presence and routing work without a Telnyx account.
 * Idempotent: an existing demo company is left as it is.
 */
import type { Db } from '../infra/db.js';

export const DEMO = {
  companyId: 'demo',
  number: '+13055550100',
  breakReasons: ['Lunch', 'Meeting', 'Training', 'Personal'],
  agents: [
    { id: 'demo-ana', displayName: 'Ana García', sipUsername: 'demo.ana' },
    { id: 'demo-ben', displayName: 'Ben Carter', sipUsername: 'demo.ben' },
    { id: 'demo-chloe', displayName: 'Chloé Martin', sipUsername: 'demo.chloe' },
  ],
} as const;

export async function seedDemo(db: Db): Promise<{ created: boolean }> {
  if (await db.company.findUnique({ where: { id: DEMO.companyId }, select: { id: true } })) return { created: false };
  await db.company.create({
    data: {
      id: DEMO.companyId,
      name: 'Curbe Demo',
      timeZone: 'America/New_York',
      breakReasons: [...DEMO.breakReasons],
      routing: {
        create: {
          allowUnregisteredSoftphones: true,
          ringTimeoutSeconds: 20,
          voicemailGreeting: 'Thanks for calling Curbe Demo. Nobody can take your call right now; please leave a message after the tone.',
        },
      },
      agents: { create: DEMO.agents.map((a) => ({ ...a })) },
      numbers: { create: { e164: DEMO.number, label: 'Main line' } },
    },
  });
  return { created: true };
}
