/**
 * Every list the API returns is bounded, and the cost estimate (hardening.ts) multiplies the cost of
 * a list's selection by that bound. Lists that grow with a tenant's data take a `first` argument
 * (default and maximum below); lists whose size the write side caps (skills, menu, schedule, queues)
 * use that cap.
 */
import { z } from 'zod';
import { MAX_CLOSURES, MAX_RANGES_PER_DAY } from '../domain/business-hours.js';
import { MAX_TIMELINE_EVENTS } from '../domain/call-timeline.js';
import { MAX_ROOM_PARTIES } from '../domain/live-call.js';
import { MAX_LANGUAGE_MENU_OPTIONS, MAX_SKILLS_PER_AGENT } from '../domain/skills.js';
import { MAX_QUEUES_PER_COMPANY } from '../services/queue-settings.js';
import { ATTEMPT_LOG_SIZE } from '../domain/webhook-delivery.js';
import { MAX_WEBHOOK_ENDPOINTS_PER_COMPANY } from '../services/webhook-endpoints.js';

export interface ListBound {
  /** Items returned when `first` is left out. */
  default: number;
  /** The largest `first` accepted. */
  max: number;
}

export const LIST_BOUNDS = {
  /** Company.agents, agents(companyId), presence, routePreview's targets and skipped. */
  agents: { default: 100, max: 2000 },
  phoneNumbers: { default: 100, max: 1000 },
  voicemails: { default: 50, max: 500 },
  companies: { default: 100, max: 1000 },
  /**
   * CompanyQueuesView.waiting: the line is capped on writes (each queue's maxSize, at most 1000, times
   * 50 queues), but that cap times a caller's fields is past any cost budget, so it pages like the rest.
   */
  waitingCallers: { default: 100, max: 1000 },
  /** auditEvents(companyId): pages by cursor. */
  auditEvents: { default: 50, max: 100 },
  /**
   * CallReport.rows: a report's groups (a year by local hour is 8,784 of them; agents and numbers
   * are bounded by the company's own).
   */
  reportRows: { default: 1000, max: 10_000 },
  /** calls(companyId): a page of the call history. */
  calls: { default: 25, max: 100 },
  /** Call.offeredAgents: a hunt may offer every agent of the company. */
  offeredAgents: { default: 20, max: 2000 },
  /** liveCalls(companyId): the calls in progress. */
  liveCalls: { default: 100, max: 1000 },
  /** webhookDeliveries(endpointId): an endpoint's log, newest first. */
  webhookDeliveries: { default: 50, max: 200 },
} as const satisfies Record<string, ListBound>;

/** Lists capped where they are written: their cap is their bound. */
export const FIXED_LIST_BOUNDS = {
  skills: MAX_SKILLS_PER_AGENT,
  languageMenu: MAX_LANGUAGE_MENU_OPTIONS,
  weekly: 7 * MAX_RANGES_PER_DAY,
  closures: MAX_CLOSURES,
  ranges: MAX_RANGES_PER_DAY,
  queues: MAX_QUEUES_PER_COMPANY,
  /** Call.timeline: capped where it is recorded (src/domain/call-timeline.ts). */
  callTimeline: MAX_TIMELINE_EVENTS,
  /** CallConnection.nodes: calls(first) already counts its selection `first` times. */
  callPage: 1,
  /** LiveCall.parties: a room holds at most MAX_ROOM_PARTIES at once (src/domain/live-call.ts). */
  roomParties: MAX_ROOM_PARTIES,
  /** webhookEndpoints(companyId): capped per company on create. */
  webhookEndpoints: MAX_WEBHOOK_ENDPOINTS_PER_COMPANY,
  /** WebhookDelivery.attempts: the last attempts kept (src/domain/webhook-delivery.ts). */
  webhookAttempts: ATTEMPT_LOG_SIZE,
} as const;

/** Options of a `first: Int` argument: its default, its maximum (a clear validation error) and its doc. */
export function firstArg(bound: ListBound) {
  return {
    defaultValue: bound.default,
    description: `How many to return: ${bound.default} unless given, at most ${bound.max}.`,
    validate: z.number().int().min(1, 'must be at least 1').max(bound.max, `must be at most ${bound.max}`),
  };
}

/** The cost of a list with a `first` argument: its selection counts `first` times. */
export function costOfFirst(bound: ListBound) {
  return (args: { first?: number | null }) => ({ field: 1, multiplier: args.first ?? bound.default });
}

/** The cost of a list capped on the write side: its selection counts `cap` times. */
export function costOfCapped(cap: number) {
  return { field: 1, multiplier: cap };
}

/** The first `first` items of an in-memory list. */
export function firstOf<T>(items: readonly T[], first: number | null | undefined, bound: ListBound): T[] {
  return items.slice(0, first ?? bound.default);
}
