/**
 * Answered calls live in a conference, their room (docs/IN-CALL.md), so that hold, transfers, 3-way
 * calls, supervision and recording are participant operations. The hunt rings agents with `<Dial>` as
 * before; when an agent's leg answers, the leg is moved into the room with TeXML REST "Update call", and
 * the caller's `<Dial>` — ended by that move — continues with the room's document (dial-complete). The
 * rules are src/domain/live-call.ts's; this shell keeps each call's room on its session (shared across
 * instances with it), performs the operations through Telnyx's REST API and follows the room's events.
 *
 * A command is applied to the room at once (so a second one sees it) and the operations run after the
 * call's scope is left (REST calls take a while; the company's webhooks must not wait on them). An
 * operation Telnyx refuses puts back what it changed, and the command's answer says why.
 */
import { roomDocument, sipUri } from '../domain/call-flow.js';
import type { Clock } from '../domain/clock.js';
import {
  type Actor,
  CALLER_LABEL,
  type CallTarget,
  caller,
  decide,
  openRoom,
  partyByLabel,
  partyDialed,
  partyJoined,
  partyLeft,
  recordingStarted,
  type Room,
  type RoomCommand,
  type RoomOperation,
  customerToDial,
} from '../domain/live-call.js';
import { renderTexml } from '../domain/texml.js';
import type { TimelineKind } from '../domain/call-timeline.js';
import type { Logger } from '../infra/logger.js';
import type { DirectoryCompany } from '../services/directory.js';
import type {
  CallUpdate,
  ParticipantDial,
  ParticipantUpdate,
  RecordingStartResult,
  RoomCommandResult,
  RoomDialResult,
} from '../telnyx/room-control.js';
import type { AgentActivityKeeper } from './agent-activity-keeper.js';
import { queueOf } from './queueing.js';
import type { CallbackUrls } from '../domain/call-flow.js';
import type { CallScope } from './call-scope.js';
import type { CallOutcome, CallSession, CallSessions } from './call-sessions.js';

/** How long an outbound call's customer rings before it counts as not answered. */
export const OUTBOUND_RING_SECONDS = 45;

/** What rooms ask of Telnyx's REST API (src/telnyx/room-control.ts behind it, bound to the account's key). */
export interface RoomControl {
  /** The account's AccountSid when configured (TELNYX_ACCOUNT_SID): outbound calls need one before any webhook. */
  accountSid: string | null;
  /** "Initiate an outbound call" under the TeXML application; fetches `url` once answered. */
  placeCall(
    accountSid: string,
    call: { to: string; from: string; url: string; statusCallback: string; timeoutSeconds: number },
  ): Promise<{ ok: true; callSid: string } | { ok: false; message: string }>;
  updateCall(accountSid: string, callSid: string, update: CallUpdate): Promise<RoomCommandResult>;
  dialParticipant(accountSid: string, conferenceSid: string, dial: ParticipantDial): Promise<RoomDialResult>;
  updateParticipant(accountSid: string, conferenceSid: string, callSid: string, update: ParticipantUpdate): Promise<RoomCommandResult>;
  removeParticipant(accountSid: string, conferenceSid: string, callSid: string): Promise<RoomCommandResult>;
  startRecording(accountSid: string, callSid: string, opts: { statusCallback: string }): Promise<RecordingStartResult>;
  updateRecording(
    accountSid: string,
    callSid: string,
    recordingSid: string,
    status: 'paused' | 'in-progress' | 'stopped',
  ): Promise<RoomCommandResult>;
}

export type CommandResult = { ok: true; room: Room } | { ok: false; error: string };

/** The conference status callback's fields (Twilio's names, which Telnyx's TeXML sends). */
export interface RoomEvent {
  event: string | null;
  conferenceSid: string | null;
  callSid: string | null;
  label: string | null;
}

export class CallRooms {
  constructor(
    private readonly deps: {
      clock: Clock;
      logger: Logger;
      sessions: CallSessions;
      scope: CallScope;
      agents: AgentActivityKeeper;
      urls: (company: DirectoryCompany) => CallbackUrls;
      /** Null without TELNYX_API_KEY: answered calls stay plain bridges, with no in-call control. */
      control: RoomControl | null;
      /** What a held caller hears (the call's queue music). */
      holdMusicUrl: (company: DirectoryCompany, session: CallSession) => string;
      /** Rooms changed (the live calls' subscribers are told). */
      changed: (companyId: string) => void;
      /** A call recording is complete at Telnyx: store it (the recordings' storage downloads it). */
      recorded?: (
        company: DirectoryCompany,
        recording: { callSid: string; recordingSid: string; url: string; durationSeconds: number },
      ) => void;
      /** The call log: an outbound call starts and ends there like any other. */
      started: (session: CallSession) => void;
      finish: (session: CallSession, outcome: CallOutcome) => void;
      /** Work in flight outside webhooks (tests on virtual time hold the clock meanwhile). */
      inFlight?: { begin(): void; end(): void };
    },
  ) {}

  get available(): boolean {
    return this.deps.control !== null;
  }

  /**
   * An agent's leg of the call answered (its status callback): the call gets its room, and the leg is
   * moved into it. The caller follows when their `<Dial>` ends (`callerDocument`). Without the REST API,
   * or when the move fails, the call stays a plain bridge, as calls were before rooms.
   */
  legAnswered(company: DirectoryCompany, session: CallSession, legSid: string, agentId: string): void {
    const { control, sessions } = this.deps;
    if (!control || !session.accountSid || session.endedAt !== null) return;
    if (session.room && !session.room.ended) return; // a late or repeated callback
    const transferred = session.room?.ended === true;
    const room = openRoom({
      callSid: session.callSid,
      companyNumber: session.to,
      customer: { callSid: session.callSid, number: session.from },
      agent: { callSid: legSid, agentId },
    });
    session.room = room;
    if (transferred) sessions.record(session.callSid, { kind: 'transferred', agentId, detail: 'answered' });
    const accountSid = session.accountSid;
    const agentLabel = room.parties[1]!.label;
    const events = this.deps.urls(company).roomOf(session.callSid).events;
    const texml = renderTexml(roomDocument(room.name, { events }, { label: agentLabel, endsRoom: false }));
    this.background(async () => {
      const moved = await control.updateCall(accountSid, legSid, { texml });
      if (moved.ok) return;
      this.deps.logger.warn(
        { companyId: company.id, callSid: session.callSid, legSid, reason: moved.message },
        'answered call not moved into its room',
      );
      await this.deps.scope.run(company, session.callSid, () => {
        const current = sessions.get(session.callSid);
        if (current?.room?.name === room.name && !current.room.joined) delete current.room;
      });
    });
    this.deps.changed(company.id);
  }

  /**
   * The caller's `<Dial>` ended as completed: if the agent's leg was moved into the room, the caller
   * joins it too (their leaving ends the room, and their Dial's action tells us). Null: no room.
   */
  callerDocument(company: DirectoryCompany, session: CallSession): string | null {
    const room = session.room;
    if (!room || room.ended || room.joined) return null;
    const urls = this.deps.urls(company).roomOf(session.callSid);
    return renderTexml(roomDocument(room.name, urls, { label: CALLER_LABEL, endsRoom: true }));
  }

  /** The conference's status callback (participant-join, participant-leave, conference-end). */
  event(company: DirectoryCompany, callSid: string, e: RoomEvent): { kind: 'room-event'; event: string } {
    const session = this.deps.sessions.get(callSid);
    const room = session?.room;
    const kind = { kind: 'room-event' as const, event: e.event ?? 'unknown' };
    if (!session || !room) return kind;
    const at = this.deps.clock.now();
    if (e.event === 'participant-join' && e.callSid && e.conferenceSid) {
      const joined = partyJoined(room, { callSid: e.callSid, label: e.label, conferenceSid: e.conferenceSid, at }).room;
      // An outbound call: the customer is dialed once the agent is in, and the call is answered when they join.
      const operations = session.direction === 'outbound' ? customerToDial(joined) : [];
      if (session.direction === 'outbound' && caller(joined)?.status === 'CONNECTED' && session.answeredAt === null) {
        this.deps.sessions.answered(session.callSid, joined.parties.find((p) => p.role === 'AGENT')?.agentId ?? null);
      }
      // The queue records every call: from the moment the caller is in the room (once: a stop stands).
      const customer = caller(joined);
      if (customer?.status === 'CONNECTED' && !joined.recordedByPolicy && queueOf(company, session.queueId).recording === 'ALL') {
        joined.recordedByPolicy = true;
        joined.recording = { status: 'RECORDING', recordingSid: null };
        operations.push({ op: 'record', action: 'start' });
        this.deps.sessions.record(session.callSid, { kind: 'recording', detail: 'start' });
      }
      this.afterEvent(company, session, { room: joined, operations });
    } else if (e.event === 'participant-leave' && e.callSid) {
      this.afterEvent(company, session, partyLeft(room, { callSid: e.callSid, label: e.label, at }));
    } else if (e.event === 'conference-end') {
      session.room = { ...room, ended: true };
    } else return kind;
    this.deps.changed(company.id);
    return kind;
  }

  /** A dialed party's call progressed (its StatusCallback): on a call, free again, or never answered. */
  partyStatus(
    company: DirectoryCompany,
    callSid: string,
    label: string,
    status: string,
    partyCallSid: string | null,
  ): { kind: 'room-party'; status: string } {
    const { sessions, agents } = this.deps;
    const session = sessions.get(callSid);
    const room = session?.room;
    const result = { kind: 'room-party' as const, status };
    if (!session || !room) return result;
    const party = partyByLabel(room, label);
    if (!party) return result;
    if (partyCallSid && party.callSid === null) session.room = partyDialed(room, label, partyCallSid);
    const agentId = party.role === 'SUPERVISOR' ? null : party.agentId;
    if (status === 'in-progress' || status === 'answered') {
      if (agentId) agents.apply(company, agentId, { kind: 'answered', callSid });
    } else if (status === 'completed' || status === 'no-answer' || status === 'busy' || status === 'failed' || status === 'canceled') {
      if (agentId && status === 'completed') agents.apply(company, agentId, { kind: 'ended' });
      this.afterEvent(company, session, partyLeft(session.room!, { label, at: this.deps.clock.now() }));
      this.deps.changed(company.id);
    }
    return result;
  }

  /**
   * Telnyx's recording of the call reached `status` (in-progress, completed, absent). A completed one is
   * handed to the recordings' storage (Telnyx's URL lives ten minutes).
   */
  recordingStatus(
    company: DirectoryCompany,
    callSid: string,
    recording: { recordingSid: string | null; status: string; url: string | null; durationSeconds: number },
  ): void {
    const { recordingSid, status } = recording;
    const session = this.deps.sessions.get(callSid);
    if (recordingSid && recording.url && status === 'completed')
      this.deps.recorded?.(company, { callSid, recordingSid, url: recording.url, durationSeconds: recording.durationSeconds });
    const room = session?.room;
    if (!session || !room || !recordingSid) return;
    if (status === 'in-progress' && room.recording.recordingSid === null && room.recording.status !== 'OFF')
      session.room = recordingStarted(room, recordingSid);
    if ((status === 'completed' || status === 'absent') && room.recording.recordingSid === recordingSid)
      session.room = { ...room, recording: { status: 'OFF', recordingSid: null } };
    this.deps.changed(company.id);
  }

  /**
   * An in-call command from an agent or a supervisor. Checked and applied under the call's scope, the
   * operations performed after it; a refused operation puts the room back as far as it changed it.
   */
  async command(company: DirectoryCompany, callSid: string, command: RoomCommand, actor: Actor): Promise<CommandResult> {
    const { control, scope, sessions } = this.deps;
    if (!control) return { ok: false, error: 'In-call control needs the Telnyx REST API (TELNYX_API_KEY).' };
    const prepared = await scope.run(company, callSid, () => {
      const session = sessions.get(callSid);
      const room = session?.room;
      if (!session || !room || session.endedAt !== null) return { ok: false as const, error: 'This call is not in progress.' };
      if (!session.accountSid) return { ok: false as const, error: 'The call cannot be addressed through the REST API (no AccountSid).' };
      if (command.kind === 'record' && command.action === 'start' && queueOf(company, session.queueId).recording === 'OFF')
        return { ok: false as const, error: 'Recording is off for this call’s queue.' };
      if (session.direction === 'outbound' && command.kind === 'cold-transfer')
        return {
          ok: false as const,
          error: 'An outbound call cannot be cold-transferred yet; use a warm transfer (consultCall, then completeTransfer).',
        };
      const refusal = this.targetProblem(company, command);
      if (refusal) return { ok: false as const, error: refusal };
      const decision = decide(room, command, actor);
      if (!decision.ok) return decision;
      session.room = decision.room;
      this.note(session, command);
      return { ok: true as const, before: room, room: decision.room, operations: decision.operations, accountSid: session.accountSid };
    });
    if (!prepared.ok) return prepared;
    this.deps.changed(company.id);
    const failures: { operation: RoomOperation; message: string; gone: boolean; callSid?: string }[] = [];
    const dialed: { label: string; callSid: string }[] = [];
    let recordingSid: string | null = null;
    for (const operation of prepared.operations) {
      const result = await this.perform(company, callSid, prepared.accountSid, prepared.room, operation);
      if (!result.ok) {
        failures.push({ operation, message: result.message, gone: result.gone });
        break; // later operations assumed this one happened
      }
      if ('callSid' in result && operation.op === 'dial') dialed.push({ label: operation.label, callSid: result.callSid });
      if ('recordingSid' in result) recordingSid = result.recordingSid;
    }
    const room = await scope.run(company, callSid, () => {
      const session = sessions.get(callSid);
      if (!session?.room) return prepared.room;
      let room = session.room;
      for (const d of dialed) room = partyDialed(room, d.label, d.callSid);
      if (recordingSid) room = recordingStarted(room, recordingSid);
      for (const f of failures) room = undo(room, prepared.before, f.operation, this.deps.clock.now());
      session.room = room;
      return room;
    });
    this.deps.changed(company.id);
    if (failures.length) {
      const f = failures[0]!;
      this.deps.logger.warn({ companyId: company.id, callSid, op: f.operation.op, reason: f.message }, 'in-call command failed');
      return { ok: false, error: f.gone ? 'That party has already left the call.' : f.message };
    }
    return { ok: true, room };
  }

  /**
   * An outbound call (startCall): the agent's softphone rings first (TeXML REST "Initiate an outbound
   * call"); once the agent answers, their call joins the room (`outboundAnswered`), and the customer is
   * dialed into it with `callerId` (a number of the company). The call log has it as outbound.
   */
  async startOutbound(
    company: DirectoryCompany,
    input: { agentId: string; to: string; callerId: string },
  ): Promise<{ ok: true; callSid: string } | { ok: false; error: string }> {
    const { control, sessions, scope } = this.deps;
    if (!control) return { ok: false, error: 'Outbound calls need the Telnyx REST API (TELNYX_API_KEY).' };
    const agent = company.agents.find((a) => a.id === input.agentId);
    if (!agent?.enabled) return { ok: false, error: 'No such agent in this company.' };
    if (!agent.sipTarget.ok)
      return { ok: false, error: `${agent.displayName} has no softphone that can be rung (${agent.sipTarget.detail}).` };
    const accountSid = control.accountSid ?? sessions.active(company.id).find((s) => s.accountSid)?.accountSid ?? null;
    if (!accountSid) return { ok: false, error: 'Outbound calls need TELNYX_ACCOUNT_SID (the AccountSid your TeXML webhooks carry).' };
    const urls = this.deps.urls(company);
    const placed = await control.placeCall(accountSid, {
      to: sipUri(agent.sipTarget.sipUsername),
      from: input.callerId,
      url: urls.outbound,
      statusCallback: urls.outboundStatus,
      timeoutSeconds: company.policy.ringTimeoutSeconds,
    });
    if (!placed.ok) return { ok: false, error: placed.message };
    await scope.run(company, placed.callSid, () => {
      const session = sessions.start({ callSid: placed.callSid, companyId: company.id, from: input.callerId, to: input.to, accountSid });
      session.direction = 'outbound';
      session.room = openRoom({
        callSid: placed.callSid,
        companyNumber: input.callerId,
        customer: { callSid: null, number: input.to },
        agent: { callSid: placed.callSid, agentId: agent.id },
      });
      sessions.record(placed.callSid, { kind: 'offered', agentId: agent.id, detail: 'outbound' });
      this.deps.started(session);
    });
    this.deps.changed(company.id);
    return { ok: true, callSid: placed.callSid };
  }

  /** `outbound`: the agent answered the call we placed: their call joins the room (null: no such call). */
  outboundAnswered(company: DirectoryCompany, callSid: string): string | null {
    const session = this.deps.sessions.get(callSid);
    const room = session?.room;
    if (!session || !room || session.direction !== 'outbound' || session.endedAt !== null) return null;
    const agent = room.parties.find((p) => p.role === 'AGENT');
    if (agent?.agentId) this.deps.agents.apply(company, agent.agentId, { kind: 'answered', callSid });
    const urls = this.deps.urls(company).roomOf(callSid);
    return renderTexml(roomDocument(room.name, urls, { label: agent?.label ?? 'agent', endsRoom: false }));
  }

  /** `outbound-status`: the call to the agent progressed; unanswered or over, it ends (and frees the agent). */
  outboundStatus(company: DirectoryCompany, callSid: string, status: string): boolean {
    const session = this.deps.sessions.get(callSid);
    if (session?.direction !== 'outbound') return false;
    const agentId = session.room?.parties.find((p) => p.role === 'AGENT')?.agentId ?? null;
    if (status === 'completed' || status === 'no-answer' || status === 'busy' || status === 'failed' || status === 'canceled') {
      if (agentId && status === 'completed') this.deps.agents.apply(company, agentId, { kind: 'ended' });
      if (session.room) session.room = { ...session.room, ended: true };
      if (session.endedAt === null) this.deps.finish(session, session.answeredAt !== null ? 'ANSWERED' : 'NO_ANSWER');
      this.deps.changed(company.id);
    }
    return true;
  }

  /** Targets that do not exist in the company, or agents who cannot be rung now. */
  private targetProblem(company: DirectoryCompany, command: RoomCommand): string | null {
    const target: CallTarget | null =
      command.kind === 'cold-transfer' || command.kind === 'consult' || command.kind === 'add-participant'
        ? command.target
        : command.kind === 'supervise'
          ? { kind: 'agent', agentId: command.softphoneAgentId }
          : null;
    if (!target) return null;
    if (target.kind === 'queue') return company.queues.some((q) => q.id === target.queueId) ? null : 'No such queue in this company.';
    if (target.kind === 'number') return null; // validated as E.164 by the API
    const agent = company.agents.find((a) => a.id === target.agentId);
    if (!agent) return 'No such agent in this company.';
    if (!agent.sipTarget.ok) return `${agent.displayName} has no softphone that can be rung (${agent.sipTarget.detail}).`;
    return null;
  }

  /** The call's timeline keeps the story: held, resumed, consulted, transferred, conferenced, supervised. */
  private note(session: CallSession, command: RoomCommand): void {
    const kinds: Partial<Record<RoomCommand['kind'], TimelineKind>> = {
      hold: 'held',
      resume: 'resumed',
      consult: 'consulted',
      'cold-transfer': 'transferred',
      'complete-transfer': 'transferred',
      merge: 'conferenced',
      'add-participant': 'conferenced',
      supervise: 'supervised',
      record: 'recording',
    };
    const kind = kinds[command.kind];
    if (!kind) return;
    const target = 'target' in command ? command.target : null;
    const detail =
      command.kind === 'supervise'
        ? command.mode.toLowerCase()
        : command.kind === 'record'
          ? command.action
          : target
            ? target.kind === 'agent'
              ? undefined
              : target.kind === 'number'
                ? target.number
                : `queue ${target.queueId}`
            : command.kind === 'complete-transfer'
              ? 'warm'
              : undefined;
    const agentId = target?.kind === 'agent' ? target.agentId : command.kind === 'supervise' ? command.softphoneAgentId : undefined;
    this.deps.sessions.record(session.callSid, { kind, ...(agentId && { agentId }), ...(detail && { detail }) });
  }

  /** One operation through the REST API. */
  private async perform(
    company: DirectoryCompany,
    callSid: string,
    accountSid: string,
    room: Room,
    operation: RoomOperation,
  ): Promise<RoomCommandResult | RoomDialResult | RecordingStartResult> {
    const control = this.deps.control!;
    const urls = this.deps.urls(company).roomOf(callSid);
    const conferenceSid = room.conferenceSid;
    const callOf = (label: string) => partyByLabel(room, label)?.callSid ?? null;
    const missing = (what: string) => ({ ok: false as const, gone: false, status: null, message: what });
    switch (operation.op) {
      case 'hold':
      case 'mute':
      case 'coach':
      case 'remove': {
        const target = callOf(operation.label);
        if (!conferenceSid || !target) return missing('The call is not in its conference yet.');
        if (operation.op === 'remove') return control.removeParticipant(accountSid, conferenceSid, target);
        const update: ParticipantUpdate =
          operation.op === 'hold'
            ? { hold: operation.hold, ...(operation.hold && { holdUrl: this.holdUrl(company, callSid) }) }
            : operation.op === 'mute'
              ? { muted: operation.muted }
              : { coach: operation.coach === null ? null : callOf(operation.coach) };
        return control.updateParticipant(accountSid, conferenceSid, target, update);
      }
      case 'dial': {
        if (!conferenceSid) return missing('The call is not in its conference yet.');
        const to = this.address(company, operation.target);
        if (!to) return missing('That target cannot be rung.');
        const coach = operation.coach ? callOf(operation.coach) : null;
        return control.dialParticipant(accountSid, conferenceSid, {
          to,
          from: room.companyNumber,
          label: operation.label,
          timeoutSeconds: company.policy.ringTimeoutSeconds,
          statusCallback: urls.party(operation.label),
          muted: operation.muted,
          callSidToCoach: coach,
        });
      }
      case 'cancel': {
        const target = callOf(operation.label);
        // Not dialed yet (its dial failed or is still on its way): nothing rings.
        if (!target) return { ok: true };
        return control.updateCall(accountSid, target, { status: 'canceled' });
      }
      case 'dial-customer': {
        if (!conferenceSid) return missing('The call is not in its conference yet.');
        return control.dialParticipant(accountSid, conferenceSid, {
          to: operation.number,
          from: room.companyNumber,
          label: CALLER_LABEL,
          timeoutSeconds: OUTBOUND_RING_SECONDS,
          statusCallback: urls.party(CALLER_LABEL),
          endsRoom: true,
        });
      }
      case 'transfer-caller':
        return control.updateCall(accountSid, callSid, { url: urls.transfer(transferStep(operation.target)) });
      case 'end-call':
        // The customer's call: its leaving ends the room for everyone (an outbound call's customer is a participant).
        return control.updateCall(accountSid, callOf(CALLER_LABEL) ?? callSid, { status: 'completed' });
      case 'record': {
        const recordingSid = room.recording.recordingSid;
        if (operation.action === 'start') return control.startRecording(accountSid, callSid, { statusCallback: urls.recording });
        if (!recordingSid) return missing('The recording has not started yet.');
        const status = operation.action === 'pause' ? 'paused' : operation.action === 'resume' ? 'in-progress' : 'stopped';
        return control.updateRecording(accountSid, callSid, recordingSid, status);
      }
    }
  }

  private holdUrl(company: DirectoryCompany, callSid: string): string {
    const session = this.deps.sessions.get(callSid);
    return session ? this.deps.holdMusicUrl(company, session) : '';
  }

  /** Where a dial rings: an agent's softphone, or a number. */
  private address(company: DirectoryCompany, target: CallTarget): string | null {
    if (target.kind === 'number') return target.number;
    if (target.kind === 'queue') return null;
    const agent = company.agents.find((a) => a.id === target.agentId);
    return agent?.sipTarget.ok ? sipUri(agent.sipTarget.sipUsername) : null;
  }

  /** Operations an event calls for (the caller back from hold, the call ended), performed in the background. */
  private afterEvent(company: DirectoryCompany, session: CallSession, result: ReturnType<typeof partyLeft>): void {
    session.room = result.room;
    if (result.note === 'consult not answered' || result.note === 'consult ended')
      this.deps.sessions.record(session.callSid, { kind: 'resumed', detail: result.note });
    const control = this.deps.control;
    const accountSid = session.accountSid;
    if (!control || !accountSid || result.operations.length === 0) return;
    const room = result.room;
    this.background(async () => {
      for (const operation of result.operations) {
        const done = await this.perform(company, session.callSid, accountSid, room, operation);
        if (!done.ok && !done.gone)
          this.deps.logger.warn(
            { companyId: company.id, callSid: session.callSid, op: operation.op, reason: done.message },
            'room operation failed',
          );
      }
    });
  }

  /** Runs REST work after the webhook is answered, counted in flight until it is done. */
  private background(work: () => Promise<void>): void {
    this.deps.inFlight?.begin();
    void work()
      .catch((err) => this.deps.logger.error({ err }, 'room work failed'))
      .finally(() => this.deps.inFlight?.end());
  }
}

/** A transfer target as the transfer route's step carries it: `agent:<id>`, `queue:<id>`, `number:<e164>`. */
export function transferStep(target: CallTarget): string {
  return target.kind === 'agent'
    ? `agent:${target.agentId}`
    : target.kind === 'queue'
      ? `queue:${target.queueId}`
      : `number:${target.number}`;
}

export function parseTransferStep(value: string): CallTarget | null {
  const at = value.indexOf(':');
  const kind = value.slice(0, at);
  const id = value.slice(at + 1);
  if (at <= 0 || !id) return null;
  if (kind === 'agent') return { kind, agentId: id };
  if (kind === 'queue') return { kind, queueId: id };
  if (kind === 'number') return { kind, number: id };
  return null;
}

/** Puts back what a refused operation changed in the room (the rest of the command stands). */
function undo(room: Room, before: Room, operation: RoomOperation, at: number): Room {
  const next = structuredClone(room);
  const was = (label: string) => partyByLabel(before, label);
  switch (operation.op) {
    case 'hold': {
      const p = partyByLabel(next, operation.label);
      if (p) p.held = was(operation.label)?.held ?? false;
      return next;
    }
    case 'mute':
    case 'coach': {
      const p = partyByLabel(next, operation.label);
      const old = was(operation.label);
      if (p && old) {
        p.muted = old.muted;
        p.supervise = old.supervise;
      }
      return next;
    }
    case 'dial-customer':
      return partyLeft(next, { label: CALLER_LABEL, at }).room;
    case 'dial':
      // Never rang: as if it had not answered (a consult's caller comes back from hold on the next event).
      return partyLeft(next, { label: operation.label, at }).room;
    case 'remove':
    case 'cancel': {
      const p = partyByLabel(next, operation.label);
      const old = was(operation.label);
      if (p && old) Object.assign(p, { status: old.status, role: old.role, leftAt: old.leftAt });
      const customer = caller(next);
      const oldCustomer = caller(before);
      if (customer && oldCustomer) customer.held = oldCustomer.held;
      return next;
    }
    case 'transfer-caller':
    case 'end-call':
      next.ended = before.ended;
      next.transferring = before.transferring;
      return next;
    case 'record':
      next.recording = { ...before.recording };
      return next;
  }
}
