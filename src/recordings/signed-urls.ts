/**
 * Short-lived links to a recording's audio: `/media/recordings/<id>?exp=<epoch s>&sig=<mac>`, the MAC
 * an HMAC-SHA256 over the recording, its company and the expiry, keyed with a key derived from
 * JWT_SECRET (so a link is good for this deployment only, and rotating the secret ends every link;
 * JWT_SECRET_PREVIOUS's links are still accepted, like its tokens). The link is a capability: an
 * <audio> element cannot send a bearer token, so the board asks GraphQL (authenticated, company
 * scoped) for a fresh one each time it shows a voicemail.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const MEDIA_RECORDINGS_PATH = '/media/recordings/';

/** How long a link lives (a player that pauses longer asks for a new one). */
export const SIGNED_URL_TTL_SECONDS = 15 * 60;

export class RecordingUrlSigner {
  private readonly keys: Buffer[];

  /** `secrets`: the current JWT secret first, then the previous one (if any). */
  constructor(secrets: readonly (string | null | undefined)[]) {
    this.keys = secrets
      .filter((s): s is string => !!s)
      .map((s) => createHmac('sha256', s).update('curbe-voice recording links v1').digest());
    if (this.keys.length === 0) throw new Error('RecordingUrlSigner needs a secret');
  }

  /** The path and query of a link to `recordingId` of `companyId`, valid until `expiresAt` (epoch ms). */
  sign(companyId: string, recordingId: string, expiresAt: number): string {
    const exp = Math.floor(expiresAt / 1000);
    return `${MEDIA_RECORDINGS_PATH}${encodeURIComponent(recordingId)}?exp=${exp}&sig=${mac(this.keys[0]!, companyId, recordingId, exp)}`;
  }

  /** Why a link is refused, or null when it is good at `now` for this recording of this company. */
  refusal(input: { companyId: string; recordingId: string; exp: string | null; sig: string | null; now: number }): string | null {
    if (!input.exp || !input.sig || !/^\d{1,12}$/.test(input.exp)) return 'missing or malformed exp/sig';
    const exp = Number(input.exp);
    if (exp * 1000 <= input.now) return 'expired';
    const given = Buffer.from(input.sig);
    const good = this.keys.some((key) => {
      const expected = Buffer.from(mac(key, input.companyId, input.recordingId, exp));
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
    return good ? null : 'bad signature';
  }
}

function mac(key: Buffer, companyId: string, recordingId: string, exp: number): string {
  return createHmac('sha256', key).update(`${companyId}\n${recordingId}\n${exp}`).digest('base64url');
}
