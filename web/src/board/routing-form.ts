// Routing configuration form: the rules the server enforces, checked before sending (pure).
import type { FallbackKind, RoutingMode } from '../gql/graphql.js';

/**
 * A label for every value of the schema's RoutingMode enum: the Record makes a mode added to the
 * schema (then `npm run codegen`) a type error here until it has a label, so the form offers exactly
 * the server's modes.
 */
const ROUTING_MODE_LABELS: Record<RoutingMode, string> = {
  AUTO: 'Auto — ring everyone online at once',
  RING_ALL: 'Ring all (by tier)',
  ROUND_ROBIN: 'Round robin',
  LONGEST_IDLE: 'Longest idle',
  FEWEST_CALLS: 'Fewest calls today',
  SEQUENTIAL: 'Sequential (top-down)',
  PROGRESSIVE: 'Progressive',
  RANDOM: 'Random',
};

export const ROUTING_MODES: { value: RoutingMode; label: string }[] = Object.entries(ROUTING_MODE_LABELS).map(([value, label]) => ({
  value: value as RoutingMode,
  label,
}));

const FALLBACK_LABELS: Record<FallbackKind, string> = {
  VOICEMAIL: 'Voicemail',
  NUMBER: 'Forward to a number',
  HANGUP: 'Greeting, then hang up',
};

export const FALLBACKS: { value: FallbackKind; label: string }[] = Object.entries(FALLBACK_LABELS).map(([value, label]) => ({
  value: value as FallbackKind,
  label,
}));

export interface RoutingFormValues {
  mode: string;
  ringTimeoutSeconds: string;
  fallbackKind: string;
  fallbackNumber: string;
  allowUnregisteredSoftphones: boolean;
}

export type RoutingFormResult =
  | {
      ok: true;
      input: {
        mode: RoutingMode;
        ringTimeoutSeconds: number;
        fallbackKind: FallbackKind;
        fallbackNumber?: string;
        allowUnregisteredSoftphones: boolean;
      };
    }
  | { ok: false; errors: Partial<Record<keyof RoutingFormValues, string>> };

export function validateRoutingForm(v: RoutingFormValues): RoutingFormResult {
  const errors: Partial<Record<keyof RoutingFormValues, string>> = {};
  const ring = Number(v.ringTimeoutSeconds);
  if (!/^\d+$/.test(v.ringTimeoutSeconds.trim())) errors.ringTimeoutSeconds = 'Enter whole seconds.';
  else if (ring < 5) errors.ringTimeoutSeconds = 'At least 5 seconds.';
  else if (ring > 120) errors.ringTimeoutSeconds = 'At most 120 seconds (Telnyx limit).';
  const number = v.fallbackNumber.replace(/[\s().-]/g, '');
  if (v.fallbackKind === 'NUMBER' && !number) errors.fallbackNumber = 'Enter the number to forward to.';
  else if (number && !/^\+[1-9]\d{6,14}$/.test(number)) errors.fallbackNumber = 'Use international format, e.g. +13055550123.';
  if (!ROUTING_MODES.some((m) => m.value === v.mode)) errors.mode = 'Pick a routing mode.';
  if (!FALLBACKS.some((f) => f.value === v.fallbackKind)) errors.fallbackKind = 'Pick what happens when nobody answers.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    input: {
      mode: v.mode as RoutingMode,
      ringTimeoutSeconds: ring,
      fallbackKind: v.fallbackKind as FallbackKind,
      ...(number ? { fallbackNumber: number } : {}),
      allowUnregisteredSoftphones: v.allowUnregisteredSoftphones,
    },
  };
}
