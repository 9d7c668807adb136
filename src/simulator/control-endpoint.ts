/**
 * The simulator's control room, mounted at /simulator by a server that runs the local Telnyx in its
 * own process (the demo): `GET /simulator` says it is there, `POST /simulator/calls` places one call
 * and streams its steps as NDJSON (`{"step":…}` lines, then one `{"result":…}` line). `npm run
 * simulate` and the board's "Simulate a call" use it. Only mounted outside production.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { TexmlApplication } from './call-engine.js';
import type { LocalTelnyx } from './local-telnyx.js';
import { parseScenario, resolvePhones, type Scenario, ScenarioError } from './scenario.js';
import type { CallOutcome, CallResult } from './transcript.js';

export const CONTROL_PATH = '/simulator';

/** What the host knows that Telnyx does not: the application a number points at, the call log's outcome. */
export interface ControlHost {
  telnyx: LocalTelnyx;
  /** The TeXML application for a called number (null: the number is not ours). */
  applicationFor(to: string): Promise<TexmlApplication | null>;
  /** The outcome the service logged for the call, once it is written (AFTER_HOURS is only known there). */
  loggedOutcome?(callSid: string): Promise<CallOutcome | null>;
  /** Agent names a scenario may use (`agent ana`), mapped to SIP usernames. */
  agentNames?(): Promise<Record<string, string>>;
}

const E164 = z
  .string()
  .trim()
  .regex(/^\+?[0-9]{3,16}$/, 'must be a phone number like +13055550100');
const CallRequest = z.object({
  to: E164,
  from: E164.default('+15551230000'),
  /** Keys pressed at the first Gather (a language menu). */
  digits: z
    .string()
    .regex(/^[0-9*#]{1,20}$/, 'digits are 0-9, * and #')
    .optional(),
  /** Extra scenario statements (src/simulator/scenario.ts), e.g. "agent ana answers after 2 s". */
  script: z.string().max(2000).optional(),
  /** Seconds the caller talks once an agent answers (default 30: long enough to watch the board). */
  talkSeconds: z.number().min(1).max(3600).optional(),
  /** Seconds of voicemail the caller leaves (default 5). */
  messageSeconds: z.number().min(0).max(600).optional(),
});
export type SimulatedCallRequest = z.input<typeof CallRequest>;

/** The last line of `npm run simulate`, and the NDJSON stream's result. */
export interface SimulatedCallSummary {
  callSid: string;
  outcome: CallOutcome;
  /** What the wire showed, before the call log's word (they differ only for AFTER_HOURS). */
  heard: CallOutcome;
  answeredBy: string | null;
  duration: number;
  steps: { at: number; kind: string; line: string }[];
  errors: string[];
}

export function summarize(result: CallResult, logged: CallOutcome | null): SimulatedCallSummary {
  return {
    callSid: result.callSid,
    outcome: logged ?? result.outcome,
    heard: result.outcome,
    answeredBy: result.answeredBy,
    duration: result.duration,
    steps: result.steps.map((s) => ({ at: s.at, kind: s.kind, line: s.line })),
    errors: result.errors,
  };
}

/**
 * The call a request describes (the control route's and the CLI's one reading): its statements, the
 * keys for the first Gather, how long the caller talks (30 s unless told: long enough to watch the
 * board) and how long a message they leave.
 */
export function scenarioOf(request: Omit<SimulatedCallRequest, 'from'> & { from?: string }): Scenario {
  const scenario = parseScenario(`call from ${request.from ?? '+15551230000'} to ${request.to}\n${request.script ?? ''}`);
  if (request.digits) scenario.caller.digits.unshift({ keys: request.digits, afterSeconds: 1 });
  if (request.talkSeconds !== undefined) scenario.caller.talkSeconds = request.talkSeconds;
  else if (scenario.caller.hangUpAt === null && !/caller talks/i.test(request.script ?? '')) scenario.caller.talkSeconds = 30;
  if (request.messageSeconds !== undefined) scenario.caller.message = { seconds: request.messageSeconds, ending: 'hang-up' };
  return scenario;
}

export function createControlEndpoint(host: ControlHost) {
  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    if (path === CONTROL_PATH && req.method === 'GET') {
      return json(res, 200, { simulator: 'local Telnyx', url: host.telnyx.url, calls: `${CONTROL_PATH}/calls` });
    }
    if (path !== `${CONTROL_PATH}/calls` || req.method !== 'POST') return json(res, 404, { error: 'POST /simulator/calls places a call' });
    let body: unknown;
    try {
      body = JSON.parse((await readText(req, 16_384)) || '{}');
    } catch {
      return json(res, 400, { error: 'the body must be JSON: {"to":"+13055550100","from":"+15551230000","digits":"2"}' });
    }
    const parsed = CallRequest.safeParse(body);
    if (!parsed.success)
      return json(res, 400, { error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
    const input = parsed.data;
    const application = await host.applicationFor(input.to);
    if (!application) return json(res, 404, { error: `${input.to} is not a number of any company here` });
    let scenario: Scenario;
    try {
      scenario = scenarioOf(input);
    } catch (err) {
      if (err instanceof ScenarioError) return json(res, 400, { error: err.message });
      throw err;
    }
    const names = (await host.agentNames?.()) ?? {};
    res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
    const result = await host.telnyx.call({
      from: scenario.from,
      to: scenario.to,
      caller: scenario.caller,
      phones: resolvePhones(scenario.phones, names),
      application,
      observe: (step) => res.write(`${JSON.stringify({ step: { at: step.at, kind: step.kind, line: step.line } })}\n`),
    });
    const logged = (await host.loggedOutcome?.(result.callSid).catch(() => null)) ?? null;
    res.end(`${JSON.stringify({ result: summarize(result, logged) })}\n`);
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
    .end(`${JSON.stringify(body)}\n`);
}

function readText(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) reject(new Error('body too large'));
      else chunks.push(c);
    });
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}
