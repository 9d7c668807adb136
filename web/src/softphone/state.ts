// The softphone's decisions, free of DOM and SDK: when to heartbeat, what to report, what to say.

export type TelnyxState = 'off' | 'connecting' | 'ready' | 'reconnecting' | 'failed';

export interface HeartbeatInputs {
  serverConnected: boolean;
  telnyx: TelnyxState;
  registrationRequired: boolean;
}

/**
 * Heartbeat while the SDK is ready (registered). Without a registration, only when the company
 * routes to unregistered softphones (the demo); otherwise silence lets the lease run out.
 */
export function heartbeatPlan(s: HeartbeatInputs): { send: false } | { send: true; sipRegistered: boolean } {
  if (!s.serverConnected) return { send: false };
  if (s.telnyx === 'ready') return { send: true, sipRegistered: true };
  if (!s.registrationRequired) return { send: true, sipRegistered: false };
  return { send: false };
}

/** The SDK's call state as the server wants it: "idle" once the call is gone. */
export function reportedCallState(sdkState: string | null | undefined): string {
  if (!sdkState || ['hangup', 'destroy', 'purge'].includes(sdkState)) return 'idle';
  if (sdkState === 'new') return 'ringing';
  return sdkState.replace(/[^a-z_-]/gi, '').slice(0, 32) || 'idle';
}

export function telnyxLabel(state: TelnyxState, configured: boolean): { text: string; tone: 'ok' | 'warn' | 'bad' | 'muted' } {
  if (!configured) return { text: 'Telnyx not configured', tone: 'muted' };
  switch (state) {
    case 'ready':
      return { text: 'Registered with Telnyx', tone: 'ok' };
    case 'connecting':
      return { text: 'Connecting to Telnyx…', tone: 'warn' };
    case 'reconnecting':
      return { text: 'Telnyx unreachable — reconnecting…', tone: 'bad' };
    case 'failed':
      return { text: 'Telnyx registration failed', tone: 'bad' };
    default:
      return { text: 'Telnyx off', tone: 'muted' };
  }
}

export function serverLabel(state: string): { text: string; tone: 'ok' | 'warn' | 'bad' } {
  if (state === 'connected') return { text: 'Server connected', tone: 'ok' };
  if (state === 'refused') return { text: 'Sign-in refused', tone: 'bad' };
  if (state === 'expired') return { text: 'Session expired — sign in again', tone: 'bad' };
  if (state === 'connecting') return { text: 'Connecting to server…', tone: 'warn' };
  return { text: 'Server unreachable — reconnecting…', tone: 'bad' };
}
