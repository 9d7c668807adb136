/**
 * The live calls of a company (docs/IN-CALL.md): who is talking to whom, since when, held, consulting,
 * coached, recorded. Built from the calls in progress and their rooms, on demand and for subscribers
 * (again whenever a room or a call changes, at most four times a second). Agents see the calls they are
 * on; supervisors see every call of the company.
 */
import type { Clock } from '../domain/clock.js';
import { type Party, type RecordingStatus, type RoomState, roomState } from '../domain/live-call.js';
import { recomputedOn, type SharedFeed } from '../infra/feed.js';
import type { Logger } from '../infra/logger.js';
import type { CallSession } from '../calls/call-sessions.js';
import type { CallService } from './call-service.js';
import type { Directory, DirectoryCompany } from './directory.js';
import type { PubSub } from './topics.js';

/** Before the room: the call rings agents, or waits in a queue; a call answered without a room is a plain bridge. */
export type LiveCallState = RoomState | 'RINGING' | 'WAITING';

export interface LiveCallView {
  callSid: string;
  companyId: string;
  from: string;
  to: string;
  queueId: string | null;
  state: LiveCallState;
  startedAt: Date;
  answeredAt: Date | null;
  /** The agent handling the call now (after a transfer, the one it went to). */
  agentId: string | null;
  /** In-call actions are possible: the call is in its room. */
  controllable: boolean;
  recording: RecordingStatus;
  parties: Party[];
}

export interface LiveCallsView {
  companyId: string;
  at: Date;
  calls: LiveCallView[];
}

/** How often subscribers get a new view at most. */
export const LIVE_CALLS_PUSH_INTERVAL_MS = 250;

export class LiveCallService {
  constructor(private readonly deps: { calls: CallService; directory: Directory; pubsub: PubSub; clock: Clock; logger: Logger }) {}

  /** The company's calls in progress, oldest first; `agentId`: only the calls that agent is on. */
  view(company: DirectoryCompany, agentId: string | null = null): LiveCallsView {
    const calls = this.deps.calls.sessions
      .active(company.id)
      .map((s) => liveCallOf(s))
      .filter((c) => agentId === null || c.agentId === agentId || c.parties.some((p) => p.agentId === agentId && p.status !== 'LEFT'))
      .sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
    return { companyId: company.id, at: new Date(this.deps.clock.now()), calls };
  }

  /** One call of the company, in progress or just ended (ENDED: what a hang-up answers), or null. */
  call(company: DirectoryCompany, callSid: string): LiveCallView | null {
    const session = this.deps.calls.sessions.get(callSid);
    return session && session.companyId === company.id ? liveCallOf(session) : null;
  }

  feed(companyId: string, agentId: string | null): SharedFeed<LiveCallsView> {
    const { pubsub, clock, directory, logger } = this.deps;
    const compute = async () => {
      const company = await directory.company(companyId);
      return company ? this.view(company, agentId) : null;
    };
    return {
      key: `live-calls:${companyId}:${agentId ?? '*'}`,
      open: (emit) =>
        recomputedOn({
          subscriptions: [pubsub.subscribe('calls:live', companyId), pubsub.subscribe('calls:changed', companyId)],
          compute,
          emit,
          clock,
          intervalMs: LIVE_CALLS_PUSH_INTERVAL_MS,
          onError: (err) => logger.warn({ err, companyId }, 'could not compute the live calls'),
        }),
      initial: async () => {
        try {
          const view = await compute();
          return view ? [view] : [];
        } catch (err) {
          logger.warn({ err, companyId }, 'could not compute the live calls');
          return [];
        }
      },
    };
  }
}

function liveCallOf(s: CallSession): LiveCallView {
  const room = s.room;
  const agent = room?.parties.find((p) => p.role === 'AGENT' && p.status !== 'LEFT');
  const state: LiveCallState =
    s.endedAt !== null
      ? 'ENDED'
      : room
        ? roomState(room)
        : s.answeredAt !== null
          ? 'TALKING'
          : s.queuedAt !== null && s.ringing.length === 0
            ? 'WAITING'
            : 'RINGING';
  return {
    callSid: s.callSid,
    companyId: s.companyId,
    from: s.from,
    to: s.to,
    queueId: s.queueId,
    state,
    startedAt: new Date(s.startedAt),
    answeredAt: s.answeredAt === null ? null : new Date(s.answeredAt),
    agentId: agent?.agentId ?? s.answeredBy,
    controllable: !!room && room.joined && !room.ended,
    recording: room?.recording.status ?? 'OFF',
    parties: room?.parties.filter((p) => p.status !== 'LEFT') ?? [],
  };
}
