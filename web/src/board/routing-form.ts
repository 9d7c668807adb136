// Routing configuration form: the rules the server enforces, checked before sending (pure).
export const ROUTING_MODES: { value: string; label: string }[] = [
  { value: 'AUTO', label: 'Auto — ring everyone online at once' },
  { value: 'RING_ALL', label: 'Ring all (by tier)' },
  { value: 'ROUND_ROBIN', label: 'Round robin' },
  { value: 'LONGEST_IDLE', label: 'Longest idle' },
  { value: 'FEWEST_CALLS', label: 'Fewest calls today' },
  { value: 'SEQUENTIAL', label: 'Sequential (top-down)' },
  { value: 'PROGRESSIVE', label: 'Progressive' },
  { value: 'RANDOM', label: 'Random' },
];

export const FALLBACKS: { value: string; label: string }[] = [
  { value: 'VOICEMAIL', label: 'Voicemail' },
  { value: 'NUMBER', label: 'Forward to a number' },
  { value: 'HANGUP', label: 'Greeting, then hang up' },
];

export interface RoutingFormValues {
  mode: string;
  ringTimeoutSeconds: string;
  fallbackKind: string;
  fallbackNumber: string;
  allowUnregisteredSoftphones: boolean;
}

export type RoutingFormResult =
  | { ok: true; input: { mode: string; ringTimeoutSeconds: number; fallbackKind: string; fallbackNumber?: string; allowUnregisteredSoftphones: boolean } }
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
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    input: {
      mode: v.mode,
      ringTimeoutSeconds: ring,
      fallbackKind: v.fallbackKind,
      ...(number ? { fallbackNumber: number } : {}),
      allowUnregisteredSoftphones: v.allowUnregisteredSoftphones,
    },
  };
}
