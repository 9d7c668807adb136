/**
 * The local Telnyx WebRTC signalling server: the JSON-RPC ("Verto") dialect @telnyx/webrtc 2.27.10
 * speaks over its WebSocket (docs/TELNYX.md §WebRTC SDK). Softphones log in with a token minted for a
 * telephony credential and become reachable at that credential's SIP username; the call engine rings
 * them through `offer()` and hears back through LegEvents.
 *
 * Pages followed (developers.telnyx.com):
 * - /docs/voice/webrtc/js-sdk/anatomy: login → result, `telnyx_rtc.clientReady`, gatewayState → REGED.
 * - /docs/voice/webrtc/sdk-commonalities: a JWT client is reached at its parent credential's SIP
 *   username, and with several registrations of one credential "the last client to register" rings.
 * - /docs/voice/webrtc/js-sdk/error-handling: -32000 "Token registration error", -32001 "Credential
 *   registration error".
 * Where those pages are silent the SDK's source is the spec (team-telnyx/webrtc at the 2.27.10 release,
 * packages/js/src/...), cited as `File.ts:line`.
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { CredentialStore, LegEnd, LegEvents, LegOffer, OfferedLeg, SimCredential, Switchboard } from './contracts.js';

// ── Functional core ─────────────────────────────────────────────────────────────────────────────

/** One JSON-RPC 2.0 frame as it travels the socket. */
export interface RpcFrame {
  jsonrpc: '2.0';
  id?: string | number | null;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: RpcError;
}

export interface RpcError {
  code: number;
  message: string;
}

/** A leg's life on the gateway: invite sent → client acked (alerting) → answered → over. */
export type LegPhase = 'invited' | 'ringing' | 'active' | 'over';
/** What can happen to a leg: the client acks/answers/hangs up, its socket drops, or the engine ends it. */
export type LegSignal = 'acked' | 'answered' | 'client-bye' | 'socket-closed' | 'ended';
/** What the engine hears, in order (LegEvents' methods; busy/failed are `rejected`). */
export type LegReport = 'ringing' | 'answered' | 'busy' | 'failed' | 'hungUp';

/**
 * The leg state machine. Each report is produced at most once and only in a legal order
 * (ringing → answered → hungUp, or [ringing →] busy/failed); once over, nothing more is reported.
 */
export function stepLeg(phase: LegPhase, signal: LegSignal): { phase: LegPhase; reports: LegReport[] } {
  if (phase === 'over') return { phase, reports: [] };
  switch (signal) {
    case 'acked':
      return phase === 'invited' ? { phase: 'ringing', reports: ['ringing'] } : { phase, reports: [] };
    case 'answered':
      // An answer before the ack still alerted first (the SDK acks as it starts ringing: VertoHandler.ts:366-380).
      if (phase === 'active') return { phase, reports: [] };
      return { phase: 'active', reports: phase === 'invited' ? ['ringing', 'answered'] : ['answered'] };
    case 'client-bye':
      // Hanging up a ringing inbound call is the SDK's decline: bye with USER_BUSY/17 (BaseCall.ts:687-693).
      return { phase: 'over', reports: [phase === 'active' ? 'hungUp' : 'busy'] };
    case 'socket-closed':
      // The softphone vanished: a ringing leg could not be reached (inferred: Twilio reports `failed`).
      return { phase: 'over', reports: [phase === 'active' ? 'hungUp' : 'failed'] };
    case 'ended':
      return { phase: 'over', reports: [] };
  }
}

/**
 * The remote hang-up the server sends when the engine ends a leg. Telnyx's pages list no causes for
 * WebRTC byes; these are FreeSWITCH's hangup causes with their SIP codes
 * (developer.signalwire.com/freeswitch/reference/hangup-causes), which Telnyx's byes carry (inferred).
 */
export function byeFor(reason: LegEnd): { cause: string; causeCode: number; sipCode: number; sipReason: string } {
  switch (reason) {
    case 'canceled':
      return { cause: 'ORIGINATOR_CANCEL', causeCode: 487, sipCode: 487, sipReason: 'Request Terminated' };
    case 'no-answer':
      return { cause: 'NO_ANSWER', causeCode: 19, sipCode: 480, sipReason: 'Temporarily Unavailable' };
    case 'completed':
      return { cause: 'NORMAL_CLEARING', causeCode: 16, sipCode: 200, sipReason: 'OK' };
  }
}

/** The user part of `sip:user@host` (or of a bare `user@host`); null for anything else, e.g. a phone number. */
export function sipUserOf(uri: string): string | null {
  const m = /^(?:sips?:)?([^@:;\s]+)@[^@\s]+$/i.exec(uri.trim());
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return null; // a malformed %-escape reaches nobody
  }
}

/**
 * An SDP audio offer as Telnyx's media side would send it: opus and PCMU, DTLS-SRTP, one bundled
 * `mid:0`. It carries NO ICE candidates, on purpose: Chromium then has no candidate pair to check, so
 * ICE stays `new`/`checking` and never reaches `failed` (observed: `new` for 45 s after answering). A `failed` ICE or peer connection would make
 * the SDK restart ICE with a `telnyx_rtc.modify` (SignalingHealthMonitor.ts:574-615, BaseCall.ts:1786-1827)
 * and, with no SDP in the reply, report ICE_RESTART_FAILED and force-close the socket to reconnect
 * (SignalingHealthMonitor.ts:466-474, 652-685), which would end the call. Without candidates an
 * answered call stays `active` with no media, which is all the simulator needs.
 */
export function audioOffer(): string {
  const streamId = randomUUID();
  const trackId = randomUUID();
  const fingerprint = [...randomBytes(32)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
  const ssrc = randomInt(1, 2 ** 32 - 1);
  const lines = [
    'v=0',
    `o=- ${randomInt(1, 2 ** 47)} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    `a=msid-semantic: WMS ${streamId}`,
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 0',
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    // ice-char is ALPHA / DIGIT / "+" / "/" (RFC 8839): base64 without padding fits; pwd needs >= 22 chars.
    `a=ice-ufrag:${randomBytes(6).toString('base64')}`,
    `a=ice-pwd:${randomBytes(18).toString('base64')}`,
    `a=fingerprint:sha-256 ${fingerprint}`,
    'a=setup:actpass',
    'a=mid:0',
    'a=sendrecv',
    // The msid gives the remote track a stream, which the SDK attaches to its audio element (Peer.ts:355-376).
    `a=msid:${streamId} ${trackId}`,
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=rtpmap:0 PCMU/8000',
    `a=ssrc:${ssrc} cname:${randomBytes(12).toString('base64')}`,
  ];
  return `${lines.join('\r\n')}\r\n`;
}

// ── Shell ───────────────────────────────────────────────────────────────────────────────────────

/** One WebSocket client of the gateway, open or closed, with every frame it sent. */
export interface GatewaySession {
  readonly socket: WebSocket;
  readonly received: RpcFrame[];
  /** The credential it logged in as (null until a login succeeds). */
  credential: SimCredential | null;
  /** The Verto session id returned at login. */
  sessid: string | null;
  /** Registration order across the gateway: the highest open one per SIP username rings (0: not registered). */
  registration: number;
  closed: boolean;
}

/** How a request is answered, and what the gateway does once the answer is on the wire. */
interface Handled {
  answer: { result: Record<string, unknown> } | { error: RpcError };
  afterwards?: () => void;
}

interface Leg {
  readonly callID: string;
  readonly session: GatewaySession;
  readonly events: LegEvents;
  readonly inviteId: number;
  phase: LegPhase;
  held: boolean;
}

/** JSON-RPC errors. -32000 for a token and -32001 for a credential login follow Telnyx's error table. */
const AUTH_REQUIRED = { code: -32000, message: 'Authentication Required' };
const CREDENTIAL_REFUSED = { code: -32001, message: 'Authentication Failure' };
// The two below are inferred from FreeSWITCH mod_verto, which Telnyx's dialect descends from.
const NO_SUCH_CALL = { code: -32002, message: 'CALL DOES NOT EXIST' };
const NOT_SIMULATED = { code: -32601, message: 'Method not found' };

export class WebRtcGateway implements Switchboard {
  readonly sessions: GatewaySession[] = [];
  private readonly credentials: CredentialStore;
  private readonly log: (line: string) => void;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly legs = new Map<string, Leg>();
  /** Server request id → the leg whose invite it was (the client acks with that id). */
  private readonly invites = new Map<number, Leg>();
  private readonly attached: { server: Server; onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void }[] = [];
  private nextRequestId = 1;
  private registrations = 0;
  private closing = false;

  constructor(deps: { credentials: CredentialStore; log?: (line: string) => void }) {
    this.credentials = deps.credentials;
    this.log = deps.log ?? (() => {});
    this.wss.on('connection', (socket) => this.accept(socket));
  }

  /** Serves WebSocket upgrades of `server` on any path: the SDK appends its own query string (Connection.ts:155-190). */
  attach(server: Server): void {
    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.closing) return void socket.destroy();
      this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
    };
    server.on('upgrade', onUpgrade);
    this.attached.push({ server, onUpgrade });
  }

  /** Whether a softphone is registered for this SIP username (user part of sip:user@sip.telnyx.com). */
  registered(sipUsername: string): boolean {
    return this.ringingSessionFor(sipUsername) !== undefined;
  }

  offer(offer: LegOffer, events: LegEvents): OfferedLeg | null {
    const user = sipUserOf(offer.to);
    const session = user === null ? undefined : this.ringingSessionFor(user);
    if (!session || user === null) return null;
    const leg: Leg = { callID: randomUUID(), session, events, inviteId: this.nextRequestId++, phase: 'invited', held: false };
    this.legs.set(leg.callID, leg);
    this.invites.set(leg.inviteId, leg);
    // Invite params as the SDK reads them (VertoHandler.ts:228-323): callID, sdp, caller/callee ids, telnyx_* ids.
    this.send(session, {
      jsonrpc: '2.0',
      id: leg.inviteId,
      method: 'telnyx_rtc.invite',
      params: {
        callID: leg.callID,
        sdp: audioOffer(),
        caller_id_name: offer.callerName ?? offer.from,
        caller_id_number: offer.from,
        callee_id_name: user,
        callee_id_number: user,
        telnyx_call_control_id: offer.legSid,
        telnyx_session_id: randomUUID(),
        telnyx_leg_id: randomUUID(),
      },
    });
    this.log(`webrtc: invite ${leg.callID} (${offer.legSid}) → ${user} on session ${session.sessid}`);
    return { end: (reason) => this.end(leg, reason) };
  }

  /** Sends a raw server request to a session (tests); returns its id. */
  push(session: GatewaySession, method: string, params: Record<string, unknown>): number {
    const id = this.nextRequestId++;
    this.send(session, { jsonrpc: '2.0', id, method, params });
    return id;
  }

  /** Closes every socket and stops serving upgrades. Legs still up are dropped without events. */
  async close(): Promise<void> {
    this.closing = true;
    for (const { server, onUpgrade } of this.attached) server.off('upgrade', onUpgrade);
    for (const session of this.sessions) session.socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  /** The session that rings for a username: the open one that registered last (sdk-commonalities). */
  private ringingSessionFor(sipUsername: string): GatewaySession | undefined {
    let best: GatewaySession | undefined;
    for (const s of this.sessions) {
      if (s.closed || !s.credential || s.credential.sipUsername !== sipUsername) continue;
      // A credential deleted or expired since login no longer registers anyone (inferred).
      const current = this.credentials.get(s.credential.id);
      if (!current || current.expired) continue;
      if (!best || s.registration > best.registration) best = s;
    }
    return best;
  }

  private accept(socket: WebSocket): void {
    const session: GatewaySession = { socket, received: [], credential: null, sessid: null, registration: 0, closed: false };
    this.sessions.push(session);
    socket.on('message', (raw) => this.receive(session, raw));
    socket.on('close', () => this.dropped(session));
    socket.on('error', (error) => this.log(`webrtc: socket error on session ${session.sessid}: ${error.message}`));
  }

  private receive(session: GatewaySession, raw: RawData): void {
    let frame: RpcFrame;
    try {
      frame = JSON.parse(raw.toString()) as RpcFrame;
    } catch {
      this.send(session, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
      return;
    }
    session.received.push(frame);
    if (!frame.method) {
      this.acknowledged(frame);
      return;
    }
    const { answer, afterwards } = this.request(session, frame.method, frame.params ?? {});
    this.send(session, { jsonrpc: '2.0', id: frame.id ?? null, ...answer });
    afterwards?.();
  }

  /** The answer to a client request, and what follows once it is sent. */
  private request(session: GatewaySession, method: string, params: Record<string, unknown>): Handled {
    if (method === 'login') return this.login(session, params);
    // Before a login every request but a ping is refused, as Telnyx answers (the flutter-voice-sdk#49 transcript).
    if (!session.credential && method !== 'telnyx_rtc.ping') return { answer: { error: AUTH_REQUIRED } };

    const dialog = params.dialogParams as { callID?: unknown } | undefined;
    const callID = dialog?.callID ?? params.callID;
    const found = typeof callID === 'string' ? this.legs.get(callID) : undefined;
    const leg = found?.session === session ? found : undefined;
    switch (method) {
      case 'telnyx_rtc.gatewayState':
        // No `call_report_id`: the SDK then posts no call reports to the host (VertoHandler.ts:585-590).
        return { answer: { result: { params: { state: 'REGED' }, sessid: session.sessid } } };
      case 'telnyx_rtc.answer':
        if (!leg) return { answer: { error: NO_SUCH_CALL } };
        // The SDK turns `active` when this result arrives (BaseCall.ts:1974-2001); the engine hears it after.
        return { answer: { result: { method, callID, sessid: session.sessid } }, afterwards: () => this.signal(leg, 'answered') };
      case 'telnyx_rtc.bye':
        // Always answered: an unanswered bye times out and makes the SDK reconnect (SignalingHealthMonitor.ts:118-122).
        return { answer: { result: { method, callID, sessid: session.sessid } }, afterwards: () => leg && this.signal(leg, 'client-bye') };
      case 'telnyx_rtc.modify':
        return { answer: { result: { method, callID, action: params.action, ...(leg ? this.hold(leg, params.action) : {}) } } };
      case 'telnyx_rtc.info':
        // The SDK's call.dtmf('1') sends info with `dtmf` and the call's dialogParams (BaseCall.ts dtmf()).
        // Answered as FreeSWITCH mod_verto answers a DTMF info (message SENT; inferred); keys of a call
        // not up are dropped.
        if (typeof params.dtmf !== 'string' || !leg) return { answer: { result: { method } } };
        return {
          answer: { result: { method, message: 'SENT', sessid: session.sessid } },
          afterwards: () => leg.phase === 'active' && this.keys(leg, params.dtmf as string),
        };
      case 'telnyx_rtc.invite':
        // Calls placed from a softphone are not simulated: the SDK reports SDP_SEND_FAILED and hangs up.
        return { answer: { error: NOT_SIMULATED } };
      default:
        // ping, candidate, end-of-candidates, subscribe…: accepted, as the fake always did.
        return { answer: { result: { method } } };
    }
  }

  private login(session: GatewaySession, params: Record<string, unknown>): Handled {
    // The SDK sends `login`+`passwd` when given a SIP username and password, else `login_token` (Login.ts).
    let credential: SimCredential | undefined;
    if (typeof params.login === 'string' && params.login) {
      const user = params.login.split('@')[0];
      credential = this.credentials.list().find((c) => c.sipUsername === user && c.sipPassword === params.passwd && !c.expired);
      if (!credential) return { answer: { error: CREDENTIAL_REFUSED } };
    } else {
      credential = typeof params.login_token === 'string' ? this.credentials.byToken(params.login_token) : undefined;
      // The SDK answers -32000 by logging in again at once (BaseSession.ts:262-277): a client holding a bad
      // token keeps retrying, as it would against Telnyx.
      if (!credential) return { answer: { error: AUTH_REQUIRED } };
    }
    session.credential = credential;
    // A reconnecting SDK sends its previous sessid back (BaseSession.ts:730-737, Login.ts); keep it (inferred).
    session.sessid = typeof params.sessid === 'string' && params.sessid ? params.sessid : randomUUID();
    session.registration = ++this.registrations;
    this.log(`webrtc: ${credential.sipUsername} registered (session ${session.sessid}, registration ${session.registration})`);
    return {
      answer: { result: { message: 'logged in', sessid: session.sessid } },
      // No call survives a reconnect here (legs end when their socket closes), so none is reattached.
      afterwards: () => this.push(session, 'telnyx_rtc.clientReady', { reattached_sessions: [] }),
    };
  }

  /** A result/error answering one of our requests: the ack of an invite means the softphone is alerting. */
  private acknowledged(frame: RpcFrame): void {
    const leg = typeof frame.id === 'number' ? this.invites.get(frame.id) : undefined;
    if (!leg) return;
    this.invites.delete(frame.id as number);
    if ((frame.result as { method?: unknown } | undefined)?.method === 'telnyx_rtc.invite') this.signal(leg, 'acked');
  }

  /** Hold state as the SDK reads it from a modify result: `holdState` 'held' | 'active' (BaseCall.ts:1764-1769). */
  private hold(leg: Leg, action: unknown): { holdState?: 'held' | 'active' } {
    if (action === 'hold') leg.held = true;
    else if (action === 'unhold') leg.held = false;
    else if (action === 'toggleHold') leg.held = !leg.held;
    else return {};
    return { holdState: leg.held ? 'held' : 'active' };
  }

  /** Keys pressed on an answered call, to the engine. */
  private keys(leg: Leg, dtmf: string): void {
    this.log(`webrtc: leg ${leg.callID} dtmf ${dtmf}`);
    try {
      leg.events.digits?.(dtmf);
    } catch (error) {
      this.log(`webrtc: LegEvents.digits threw: ${(error as Error).stack ?? String(error)}`);
    }
  }

  private end(leg: Leg, reason: LegEnd): void {
    const wasUp = leg.phase !== 'over';
    this.signal(leg, 'ended');
    if (!wasUp || leg.session.closed) return;
    // The SDK hangs up on a server bye and keeps its cause (BaseCall.ts:1560-1572).
    this.push(leg.session, 'telnyx_rtc.bye', { callID: leg.callID, ...byeFor(reason) });
    this.log(`webrtc: bye ${leg.callID} (${reason})`);
  }

  private dropped(session: GatewaySession): void {
    session.closed = true;
    this.log(`webrtc: session ${session.sessid ?? '(not logged in)'} closed`);
    if (this.closing) return;
    for (const leg of this.legs.values()) if (leg.session === session) this.signal(leg, 'socket-closed');
  }

  private signal(leg: Leg, signal: LegSignal): void {
    const { phase, reports } = stepLeg(leg.phase, signal);
    leg.phase = phase;
    if (phase === 'over') {
      this.legs.delete(leg.callID);
      this.invites.delete(leg.inviteId);
    }
    for (const report of reports) {
      this.log(`webrtc: leg ${leg.callID} ${report}`);
      try {
        if (report === 'busy' || report === 'failed') leg.events.rejected(report);
        else leg.events[report]();
      } catch (error) {
        // The engine's failure must not take the signalling server down with it.
        this.log(`webrtc: LegEvents.${report} threw: ${(error as Error).stack ?? String(error)}`);
      }
    }
  }

  private send(session: GatewaySession, frame: RpcFrame): void {
    if (session.socket.readyState === session.socket.OPEN) session.socket.send(JSON.stringify(frame));
  }
}
