/** The WebRTC gateway's pure parts: the leg state machine, the bye causes, SIP URIs and the SDP offer. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { audioOffer, byeFor, type LegPhase, type LegSignal, sipUserOf, stepLeg } from '../../src/simulator/webrtc-gateway.js';

const SIGNALS: LegSignal[] = ['acked', 'answered', 'client-bye', 'socket-closed', 'ended'];

function run(signals: LegSignal[]): string[] {
  let phase: LegPhase = 'invited';
  const heard: string[] = [];
  for (const signal of signals) {
    const step = stepLeg(phase, signal);
    phase = step.phase;
    heard.push(...step.reports);
  }
  return heard;
}

describe('stepLeg', () => {
  it('whatever the client, the socket and the engine do, the engine hears a legal sequence, each event at most once', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...SIGNALS), { maxLength: 12 }), (signals) => {
        // Refused before it alerted (a socket gone before the ack) is legal too: a leg can fail without ringing.
        expect(run(signals).join(' ')).toMatch(/^((ringing )?(busy|failed)|ringing( answered( hungUp)?)?)?$/);
      }),
    );
  });

  it('maps the usual lives of a leg', () => {
    expect(run(['acked', 'answered', 'client-bye'])).toEqual(['ringing', 'answered', 'hungUp']);
    expect(run(['acked', 'client-bye'])).toEqual(['ringing', 'busy']);
    expect(run(['acked', 'socket-closed'])).toEqual(['ringing', 'failed']);
    expect(run(['socket-closed'])).toEqual(['failed']);
    expect(run(['acked', 'answered', 'socket-closed'])).toEqual(['ringing', 'answered', 'hungUp']);
    expect(run(['answered'])).toEqual(['ringing', 'answered']);
    expect(run(['acked', 'ended', 'answered', 'client-bye'])).toEqual(['ringing']);
  });
});

describe('byeFor', () => {
  it("gives FreeSWITCH's cause, Q.850 code and SIP response for each way the engine ends a leg", () => {
    expect(byeFor('canceled')).toEqual({ cause: 'ORIGINATOR_CANCEL', causeCode: 487, sipCode: 487, sipReason: 'Request Terminated' });
    expect(byeFor('no-answer')).toEqual({ cause: 'NO_ANSWER', causeCode: 19, sipCode: 480, sipReason: 'Temporarily Unavailable' });
    expect(byeFor('completed')).toEqual({ cause: 'NORMAL_CLEARING', causeCode: 16, sipCode: 200, sipReason: 'OK' });
  });
});

describe('sipUserOf', () => {
  it('reads the user part of a SIP URI and refuses phone numbers', () => {
    expect(sipUserOf('sip:gencredAbC123@sip.telnyx.com')).toBe('gencredAbC123');
    expect(sipUserOf('sips:nw.ben@sip.telnyx.com')).toBe('nw.ben');
    expect(sipUserOf('nw.ben@sip.telnyx.com')).toBe('nw.ben');
    expect(sipUserOf('sip:a%40b@sip.telnyx.com')).toBe('a@b');
    expect(sipUserOf('+13055550100')).toBeNull();
    expect(sipUserOf('sip:sip.telnyx.com')).toBeNull();
    expect(sipUserOf('sip:a%zz@sip.telnyx.com')).toBeNull();
  });
});

describe('audioOffer', () => {
  it('is a bundled opus/PCMU DTLS offer with valid ICE credentials, no candidates, fresh each time', () => {
    const sdp = audioOffer();
    const lines = sdp.split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toBe('v=0');
    expect(lines).toContain('a=group:BUNDLE 0');
    expect(lines).toContain('m=audio 9 UDP/TLS/RTP/SAVPF 111 0');
    expect(lines).toContain('a=rtpmap:111 opus/48000/2');
    expect(lines).toContain('a=rtpmap:0 PCMU/8000');
    expect(lines).toContain('a=setup:actpass');
    expect(lines).toContain('a=mid:0');
    expect(lines).toContain('a=rtcp-mux');
    expect(lines).toContain('a=sendrecv');
    expect(lines.some((l) => l.startsWith('a=candidate'))).toBe(false);
    const ufrag = lines.find((l) => l.startsWith('a=ice-ufrag:'))!.slice('a=ice-ufrag:'.length);
    const pwd = lines.find((l) => l.startsWith('a=ice-pwd:'))!.slice('a=ice-pwd:'.length);
    expect(ufrag).toMatch(/^[A-Za-z0-9+/]{4,256}$/);
    expect(pwd).toMatch(/^[A-Za-z0-9+/]{22,256}$/);
    expect(sdp).toMatch(/\r\na=fingerprint:sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}\r\n/);
    expect(sdp).toMatch(/\r\na=msid-semantic: WMS [0-9a-f-]{36}\r\n/);
    expect(audioOffer()).not.toBe(sdp);
  });
});
