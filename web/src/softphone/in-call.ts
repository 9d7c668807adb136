// The in-call card's decisions, free of DOM and SDK: which call in the live view is this agent's, what
// each party is called, and which controls the call's state (as the server pushed it) allows.
import type { LiveCallFieldsFragment } from '../gql/graphql.js';

export type LiveCall = LiveCallFieldsFragment;
export type LiveParty = LiveCall['parties'][number];

/** The call this agent is on now (as a handling agent, consulted, added or supervising), or null. */
export function myLiveCall(calls: readonly LiveCall[], agentId: string): LiveCall | null {
  const mine = calls.filter((c) => c.state !== 'ENDED' && c.parties.some((p) => p.agentId === agentId));
  // A consult or supervision rings while the agent is on no other call; the newest wins if ever two.
  return mine.at(-1) ?? null;
}

export function myParty(call: LiveCall, agentId: string): LiveParty | null {
  return call.parties.find((p) => p.agentId === agentId) ?? null;
}

/** How a party reads on a card: "You", an agent's name, the caller's number, a role. */
export function partyName(p: LiveParty, names: (agentId: string) => string | undefined, me: string | null = null): string {
  if (p.agentId && p.agentId === me) return 'You';
  if (p.agentId) return names(p.agentId) ?? 'an agent';
  if (p.number) return p.number;
  return p.role === 'CALLER' ? 'Caller' : p.label;
}

export const ROLE_WORDS: Record<string, string> = {
  CALLER: 'caller',
  AGENT: 'agent',
  CONSULT: 'consulted',
  PARTICIPANT: 'participant',
  SUPERVISOR: 'supervisor',
};

export const STATE_WORDS: Record<string, string> = {
  RINGING: 'Ringing',
  WAITING: 'Waiting in queue',
  CONNECTING: 'Connecting',
  TALKING: 'Talking',
  HELD: 'On hold',
  CONSULTING: 'Consulting',
  CONFERENCED: 'Conference',
  ENDED: 'Ended',
};

/** A party's status in words: ringing, on hold, muted, listening… */
export function partyFlags(p: LiveParty): string[] {
  return [
    p.status === 'RINGING' ? 'ringing' : null,
    p.held ? 'on hold' : null,
    p.supervise ? p.supervise.toLowerCase() : p.muted ? 'muted' : null,
  ].filter((x): x is string => !!x);
}

export type RecordAction = 'START' | 'PAUSE' | 'RESUME' | 'STOP';

export interface CallControls {
  /** The agent handles the call (or is an added participant) and may act on it. */
  handling: boolean;
  hold: boolean;
  resume: boolean;
  transfer: boolean;
  consult: boolean;
  addParticipant: boolean;
  /** The consultation's answers: complete and merge once the target answered; cancel at any time. */
  complete: boolean;
  cancelConsult: boolean;
  merge: boolean;
  hangUp: boolean;
  record: RecordAction[];
  /** Labels of parties the agent may drop (everyone but the caller and itself). */
  drop: string[];
}

const NONE: CallControls = {
  handling: false,
  hold: false,
  resume: false,
  transfer: false,
  consult: false,
  addParticipant: false,
  complete: false,
  cancelConsult: false,
  merge: false,
  hangUp: false,
  record: [],
  drop: [],
};

const RECORD_ACTIONS: Record<string, RecordAction[]> = { OFF: ['START'], RECORDING: ['PAUSE', 'STOP'], PAUSED: ['RESUME', 'STOP'] };

/**
 * What the agent can do on the call now, from the state the server pushed (the server's rules are
 * src/domain/live-call.ts's; these only hide buttons it would refuse). A consulted agent or a
 * supervisor's softphone act with their own phone (hang up) only.
 */
export function callControls(call: LiveCall, agentId: string): CallControls {
  const me = myParty(call, agentId);
  if (!call.controllable || !me || (me.role !== 'AGENT' && me.role !== 'PARTICIPANT') || me.status !== 'CONNECTED') return NONE;
  const caller = call.parties.find((p) => p.role === 'CALLER');
  const consult = call.parties.find((p) => p.role === 'CONSULT');
  const callerHere = caller?.status === 'CONNECTED';
  if (!callerHere) return { ...NONE, handling: true, hangUp: true };
  return {
    handling: true,
    hold: !consult && !caller.held,
    resume: !consult && caller.held,
    transfer: !consult,
    consult: !consult,
    addParticipant: !consult,
    complete: consult?.status === 'CONNECTED',
    cancelConsult: !!consult,
    merge: consult?.status === 'CONNECTED',
    hangUp: true,
    record: RECORD_ACTIONS[call.recording] ?? [],
    drop: call.parties.filter((p) => p.role !== 'CALLER' && p.agentId !== agentId).map((p) => p.label),
  };
}

/** A transfer target as the picker gives it: `agent:<id>`, `queue:<id>`, or a typed number. */
export type TargetChoice = { agentId: string } | { queueId: string } | { number: string };

export function targetOf(choice: string, number: string): TargetChoice | null {
  if (choice.startsWith('agent:')) return { agentId: choice.slice(6) };
  if (choice.startsWith('queue:')) return { queueId: choice.slice(6) };
  if (choice === 'number') return { number };
  return null;
}

/** The dial pad's keys. */
export const DIAL_KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'] as const;
