/**
 * The rendered TeXML of a call's step (src/domain/call-flow.ts voiceDocument), with the last ring
 * document of each company kept: a ring group rings the same agents call after call, and rendering
 * that `<Dial>` (a `<Sip>` per agent, each with its callbacks) was a tenth of a decision's CPU and a
 * fifth of its garbage. A ring document depends only on what is compared here, so a hit is the
 * same bytes a render would give.
 */
import { voiceDocument, type CallbackUrls } from '../domain/call-flow.js';
import type { RoutePlan, RoutingPolicy } from '../domain/routing.js';
import { renderTexml } from '../domain/texml.js';

interface RingDocument {
  timeoutSeconds: number;
  ringTone: string;
  sipUsernames: string[];
  texml: string;
}

/** Per set of callback URLs (one per company and public URL, src/calls/hunting.ts urls()): its last ring document. */
const lastRing = new WeakMap<CallbackUrls, RingDocument>();

export function renderVoiceDocument(
  plan: RoutePlan,
  policy: RoutingPolicy,
  urls: CallbackUrls,
  to?: string | null,
  callerLanguage?: string | null,
): string {
  if (plan.kind !== 'RING') return renderTexml(voiceDocument(plan, policy, urls, to, callerLanguage));
  const known = lastRing.get(urls);
  if (known !== undefined && sameRing(known, plan, policy)) return known.texml;
  const texml = renderTexml(voiceDocument(plan, policy, urls, to, callerLanguage));
  lastRing.set(urls, {
    timeoutSeconds: plan.timeoutSeconds,
    ringTone: policy.ringTone,
    sipUsernames: plan.targets.map((t) => t.sipUsername),
    texml,
  });
  return texml;
}

function sameRing(known: RingDocument, plan: Extract<RoutePlan, { kind: 'RING' }>, policy: RoutingPolicy): boolean {
  const { targets } = plan;
  if (known.timeoutSeconds !== plan.timeoutSeconds || known.ringTone !== policy.ringTone || known.sipUsernames.length !== targets.length) {
    return false;
  }
  for (let i = 0; i < targets.length; i++) if (known.sipUsernames[i] !== targets[i]!.sipUsername) return false;
  return true;
}
