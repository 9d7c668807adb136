import type { AgentSnapshot } from '../../src/domain/routing.js';
import { DEFAULT_POLICY } from '../../src/services/directory.js';

/** The routing fields the AUTO tests do not care about, at the service's defaults. */
const {
  mode: _mode,
  ringTimeoutSeconds: _ring,
  ringTone: _tone,
  fallbackKind: _fk,
  fallbackNumber: _fn,
  voicemailGreeting: _vg,
  voicemailMaxSeconds: _vm,
  greetingLanguage: _gl,
  allowUnregisteredSoftphones: _au,
  ...policyRest
} = DEFAULT_POLICY;
export const POLICY_DEFAULTS = policyRest;

/** An agent's hunt fields at their defaults: tier 1, never called, not reserved. */
export const AGENT_DEFAULTS: Pick<
  AgentSnapshot,
  'tier' | 'position' | 'lastCallEndedAt' | 'callsToday' | 'reservedFor' | 'skills' | 'sipTargetProblem'
> = {
  sipTargetProblem: null,
  tier: 1,
  position: 0,
  lastCallEndedAt: null,
  callsToday: 0,
  reservedFor: null,
  skills: {},
};
