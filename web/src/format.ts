// Pure formatting shared by both views.

/** 0:07, 4:05, 1:02:03 */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function statusLabel(status: string, reason?: string | null): string {
  if (status === 'AVAILABLE') return 'Available';
  if (status === 'WRAP_UP') return 'Wrap-up';
  if (status === 'ON_BREAK') return reason ? `Break · ${reason}` : 'Break';
  return status;
}

export function timeOfDay(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** A call is "on" from ringing to hang-up, as far as the board and routing are concerned. */
export function isOnCall(callState: string | null | undefined, activeCalls: number): boolean {
  return activeCalls > 0 || (!!callState && ['ringing', 'trying', 'early', 'active', 'held', 'answering'].includes(callState));
}
