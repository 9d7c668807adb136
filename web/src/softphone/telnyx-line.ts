// The Telnyx WebRTC client behind a small interface: registration state and one call at a time.
// The SDK is loaded on demand so the supervisor board never downloads it.
import type { Call, TelnyxRTC } from '@telnyx/webrtc';
import type { TelnyxState } from './state.js';

export interface CallView {
  id: string;
  state: string;
  direction: string;
  callerName: string;
  callerNumber: string;
  muted: boolean;
}

export interface Line {
  answer(): Promise<void>;
  hangup(): Promise<void>;
  toggleMute(): void;
  /** A dial-pad digit sent on the call in progress (DTMF). */
  dtmf(digit: string): void;
  disconnect(): Promise<void>;
}

export interface LineEvents {
  onState(state: TelnyxState, detail?: string): void;
  onCall(call: CallView | null): void;
}

export async function openLine(
  opts: { loginToken: string; host: string | null; remoteAudio: HTMLAudioElement },
  events: LineEvents,
): Promise<Line> {
  const { TelnyxRTC: Client } = await import('@telnyx/webrtc');
  // `host` is a runtime option missing from IClientOptions (docs/TELNYX.md §WebRTC SDK).
  const options = { login_token: opts.loginToken, enableCallReports: false, ...(opts.host ? { host: opts.host } : {}) };
  const client: TelnyxRTC = new Client(options as ConstructorParameters<typeof Client>[0]);
  client.remoteElement = opts.remoteAudio;
  let current: Call | null = null;
  let muted = false;
  let ready = false;

  const view = (call: Call): CallView => ({
    id: call.id,
    state: call.state,
    direction: call.direction,
    callerName: call.options.remoteCallerName ?? '',
    callerNumber: call.options.remoteCallerNumber ?? '',
    muted,
  });

  client.on('telnyx.ready', () => {
    ready = true;
    events.onState('ready');
  });
  client.on('telnyx.error', (e: { error?: { message?: string; code?: number } }) => {
    events.onState(ready ? 'reconnecting' : 'failed', e?.error?.message);
  });
  client.on('telnyx.socket.close', () => {
    ready = false;
    events.onState('reconnecting');
  });
  client.on('telnyx.notification', (n: { type: string; call?: Call }) => {
    if (n.type !== 'callUpdate' || !n.call) return;
    const call = n.call;
    if (['hangup', 'destroy', 'purge'].includes(call.state)) {
      if (current && current.id === call.id) {
        current = null;
        muted = false;
        events.onCall(null);
      }
      return;
    }
    current = call;
    events.onCall(view(call));
  });

  events.onState('connecting');
  client.connect();

  return {
    async answer() {
      await current?.answer();
    },
    async hangup() {
      await current?.hangup();
    },
    toggleMute() {
      if (!current) return;
      current.toggleAudioMute();
      muted = !muted;
      events.onCall(view(current));
    },
    dtmf(digit) {
      if (current?.state === 'active') current.dtmf(digit);
    },
    async disconnect() {
      await client.disconnect();
    },
  };
}
