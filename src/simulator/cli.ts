/**
 * `npm run simulate -- --to +13055550100 [--from +15551230000] [--digits 2] [--server URL]
 *   [--script "agent ana answers after 2 s"] [--talk 30] [--message 5]`
 *
 * Places one simulated call against a running server and prints each step, then, as its last line,
 * one JSON object: {"callSid","outcome","heard","answeredBy","duration","steps","errors"}.
 * A server started with `npm start` (no Telnyx account) runs the local Telnyx in its own process:
 * the call is placed there, so it rings the demo softphones registered to it. Any other server gets
 * a local Telnyx started here, pointed at its /telnyx/voice (nothing is registered to it, so agents'
 * legs ring unanswered). Exit code: 0 when the call ran without errors, 1 otherwise, 2 for bad usage.
 */
import { parseArgs } from 'node:util';
import { CONTROL_PATH, type SimulatedCallRequest, type SimulatedCallSummary, scenarioOf, summarize } from './control-endpoint.js';
import { LocalTelnyx } from './local-telnyx.js';
import { formatStep } from './transcript.js';

const USAGE = `usage: npm run simulate -- --to +13055550100 [--from +15551230000] [--digits 2] [--server http://localhost:4000]
       [--script "agent demo.ana answers after 2 s; caller hangs up at 40 s"] [--talk 30] [--message 5]`;

async function main(): Promise<number> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        to: { type: 'string' },
        from: { type: 'string', default: '+15551230000' },
        digits: { type: 'string' },
        server: { type: 'string', default: process.env.SIMULATE_SERVER ?? `http://localhost:${process.env.PORT ?? 4000}` },
        script: { type: 'string' },
        talk: { type: 'string' },
        message: { type: 'string' },
      },
    }) as { values: Record<string, string | undefined> });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!values.to) {
    console.error(`--to is required\n${USAGE}`);
    return 2;
  }
  const server = values.server!.replace(/\/+$/, '');
  const request = {
    to: values.to,
    from: values.from,
    digits: values.digits,
    script: values.script,
    talkSeconds: values.talk ? Number(values.talk) : undefined,
    messageSeconds: values.message ? Number(values.message) : undefined,
  };
  // The control route answers JSON naming itself; a built web app answers any other path with its page.
  const inProcess = await fetch(`${server}${CONTROL_PATH}`).then(
    async (r) => r.ok && ((await r.json().catch(() => null)) as { simulator?: unknown } | null)?.simulator === 'local Telnyx',
    (err: Error) => {
      throw new Error(`cannot reach ${server}: ${err.message} (is the server running? npm start)`);
    },
  );
  const summary = inProcess ? await throughServer(server, request) : await standalone(server, request);
  if (!summary) return 1;
  console.log(JSON.stringify(summary));
  return summary.errors.length ? 1 : 0;
}

/** The server's own local Telnyx places the call; its steps stream back as NDJSON. */
async function throughServer(server: string, request: object): Promise<SimulatedCallSummary | null> {
  console.log(`placing the call on ${server}'s local Telnyx`);
  const res = await fetch(`${server}${CONTROL_PATH}/calls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  if (!res.ok || !res.body) {
    console.error(`the server refused the call: ${res.status} ${await res.text()}`);
    return null;
  }
  let summary: SimulatedCallSummary | null = null;
  let buffered = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
      if (!line) continue;
      const message = JSON.parse(line) as { step?: { at: number; line: string; kind: string }; result?: SimulatedCallSummary };
      if (message.step) console.log(formatStep(message.step as never));
      if (message.result) summary = message.result;
    }
  }
  return summary;
}

/** No local Telnyx in the server: one here, fetching the server's voice URL. */
async function standalone(server: string, request: SimulatedCallRequest) {
  console.log(
    `${server} runs no local Telnyx (it has a Telnyx account, or is a production build): simulating here against ${server}/telnyx/voice`,
  );
  const telnyx = await LocalTelnyx.start({ application: { voiceUrl: `${server}/telnyx/voice`, voiceMethod: 'POST' } });
  try {
    const scenario = scenarioOf(request);
    const result = await telnyx.call({
      from: scenario.from,
      to: scenario.to,
      caller: scenario.caller,
      phones: scenario.phones,
      observe: (step) => console.log(formatStep(step)),
    });
    return summarize(result, null);
  } finally {
    await telnyx.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
