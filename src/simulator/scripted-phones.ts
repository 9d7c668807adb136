/**
 * Agents and numbers whose behaviour a scenario scripts ("agent ana answers after 3 s"): a
 * switchboard that rings them on the clock, and hands every other target to the next switchboard
 * (the WebRTC gateway, where real softphones answer for themselves).
 */
import type { Clock, TimerHandle } from '../domain/clock.js';
import type { LegEvents, LegOffer, OfferedLeg, Switchboard } from './contracts.js';

export interface PhoneScript {
  /** What the phone does once it rings. */
  does: 'answer' | 'decline' | 'ignore';
  /** Seconds of ringing before it answers or declines. */
  afterSeconds: number;
  /** Once answered, hangs up after this many seconds (null: stays until the caller leaves). */
  hangsUpAfterSeconds: number | null;
}

/** The part of a SIP URI or number that names the phone: `sip:ana@sip.telnyx.com` → `ana`. */
export function phoneKey(target: string): string {
  return target.replace(/^sips?:/i, '').split('@')[0] ?? target;
}

export class ScriptedPhones implements Switchboard {
  constructor(
    private readonly clock: Clock,
    private readonly scripts: ReadonlyMap<string, PhoneScript>,
    private readonly next: Switchboard | null = null,
  ) {}

  offer(offer: LegOffer, events: LegEvents): OfferedLeg | null {
    const script = this.scripts.get(phoneKey(offer.to));
    if (!script) return this.next?.offer(offer, events) ?? null;
    const timers: TimerHandle[] = [];
    const at = (seconds: number, fn: () => void) => timers.push(this.clock.setTimer(this.clock.now() + seconds * 1000, fn));
    at(0, () => events.ringing());
    if (script.does === 'answer') {
      at(script.afterSeconds, () => {
        events.answered();
        if (script.hangsUpAfterSeconds !== null) at(script.hangsUpAfterSeconds, () => events.hungUp());
      });
    } else if (script.does === 'decline') {
      at(script.afterSeconds, () => events.rejected('busy'));
    }
    return {
      end: () => {
        for (const t of timers) this.clock.clearTimer(t);
      },
    };
  }
}
