/**
 * Tenant isolation, as a matrix over EVERY root field of the live schema: each Query, Mutation and
 * Subscription field has an entry below with attacks aimed at company B (its id, its agents, its
 * number) made as supervisor A, as agent A1 and anonymously, over HTTP, graphql-ws and SSE. An attack
 * must be refused (FORBIDDEN / NOT_FOUND), leave the field null, show nothing of B anywhere in the
 * response, and, for mutations, leave every company exactly as it was. Fields that are not
 * company-scoped (viewer, heartbeat) assert their own behaviour instead.
 *
 * A root field without an entry fails the suite: adding an operation means adding its attacks here.
 */
import { openRoom } from '../../src/domain/live-call.js';
import { Kind, OperationTypeNode, parse, validate, type OperationDefinitionNode } from 'graphql';
import type { Client } from 'graphql-ws';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/schema.js';
import { ADMIN_KEY, startServer, subscribe, voicemailsUntilHeard, waitFor, type TestServer } from '../support/harness.js';

// ---------------------------------------------------------------------------------------------
// The world both tenants live in
// ---------------------------------------------------------------------------------------------

interface Tenant {
  companyId: string;
  name: string;
  agents: { id: string; displayName: string; sipUsername: string; token: string }[];
  number: { id: string; e164: string };
  /** The default queue (made with the company) and a second one. */
  queues: { defaultId: string; otherId: string };
  voicemail: { id: string; callSid: string; from: string; recordingUrl: string };
  /** A call in progress in its room (Query.liveCalls, the in-call mutations), answered by agent 1. */
  liveCallSid: string;
  supervisorToken: string;
  /** A CRM webhook endpoint and one delivery of it (delivered, so nothing retries during the suite). */
  webhook: { endpointId: string; secret: string; url: string; deliveryId: string; eventId: string };
}

interface World {
  a: Tenant;
  b: Tenant;
}

type Actor = 'supervisorA' | 'agentA1' | 'anonymous';
const ACTORS: readonly Actor[] = ['supervisorA', 'agentA1', 'anonymous'];

/** Refusals. Anything else (validation errors, "Unexpected error.") does not count as a refusal. */
const REFUSED = ['FORBIDDEN', 'NOT_FOUND'] as const;

interface Attack {
  name: string;
  document: string;
  variables?: (w: World) => Record<string, unknown>;
  /** Default: every actor. */
  actors?: readonly Actor[];
  /** Codes accepted besides REFUSED, per actor (e.g. a uniqueness conflict). */
  alsoAccept?: Partial<Record<Actor, string[]>>;
}

interface Entry {
  /** Operations aimed at company B; every one must be refused. */
  attacks: Attack[];
  /** For fields that act only on the caller: what they must do instead. */
  behaviour?: (t: Harness) => Promise<void>;
}

// B's fields as plain strings so a typo in a selection is caught by the schema check below.
const AGENT_FIELDS = 'id companyId displayName sipUsername enabled status statusReason presence { agentId sipUsername online }';
const PRESENCE_FIELDS = 'agentId companyId displayName sipUsername online status lastSeen';
const ROUTING_FIELDS =
  'companyId mode ringTimeoutSeconds ringTone fallbackKind fallbackNumber voicemailGreeting voicemailMaxSeconds greetingLanguage allowUnregisteredSoftphones';
const COMPANY_FIELDS = `id name timeZone agents { id sipUsername displayName } phoneNumbers { id e164 queueId } queues { id name } routing { companyId fallbackKind }`;
const QUEUE_FIELDS =
  'id companyId name isDefault requiredSkills mode ringTimeoutSeconds maxWaitSeconds maxSize overflowKind overflowNumber overflowQueueId holdMusicUrl';
const STATS_FIELDS =
  'companyId at agents { available ringing onCall onBreak offline total } callsWaiting callsRinging callsActive answeredToday missedToday averageAnswerSeconds';
const CALL_FIELDS =
  'id callSid from to direction startedAt answeredAt endedAt outcome waitSeconds talkSeconds callbackRequested queue { id name } ' +
  'answeredBy { id displayName } offeredAgents { id displayName } timeline { at kind agent { id displayName } detail } voicemail { callSid from recordingUrl }';
const VOICEMAIL_FIELDS = 'id companyId callSid from to recordingUrl durationSeconds createdAt';
const QUEUES_VIEW_FIELDS =
  'companyId at queues { queueId name waiting callbacks longestWaitSeconds estimatedWaitSeconds ableAgents offered answered abandoned serviceLevel abandonRate } ' +
  'waiting { callSid queueId from state position waitedSeconds estimatedWaitSeconds language priority callbackRequested offeredToAgentId enqueuedAt }';

const REPORT_FIGURES = 'calls offered answered abandoned serviceLevel averageAnswerSeconds talkSeconds missedOffers occupancy';
const REPORT_FIELDS = `companyId timeZone rowCount rows(first: 100) { key label start end figures { ${REPORT_FIGURES} } } totals { ${REPORT_FIGURES} }`;

const B = (w: World) => w.b;
const LIVE_CALL_FIELDS = 'callSid companyId from to state agentId controllable recording parties { label role agentId number status held }';
/** An in-call mutation aimed at B's call in progress. */
const onBsCall = (name: string, field: string, args = '', vars: (w: World) => Record<string, unknown> = () => ({}), types = ''): Entry => ({
  attacks: [
    {
      name,
      document: `mutation($s: ID!${types}) { ${field}(callSid: $s${args}) { ${LIVE_CALL_FIELDS} } }`,
      variables: (w) => ({ s: B(w).liveCallSid, ...vars(w) }),
    },
  ],
});

/**
 * EVERY root field. Keys are `Type.field`. Keep attacks pointed at B: the runner checks that each
 * document selects its field, is valid against the schema, and is refused.
 */
const MATRIX: Record<string, Entry> = {
  'Query.liveCalls': {
    attacks: [
      {
        name: "B's calls in progress",
        document: `query($c: ID!) { liveCalls(companyId: $c) { companyId calls { ${LIVE_CALL_FIELDS} } } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
    ],
  },
  'Subscription.liveCallsChanged': {
    attacks: [
      {
        name: "B's calls in progress, pushed",
        document: `subscription($c: ID!) { liveCallsChanged(companyId: $c) { companyId calls { ${LIVE_CALL_FIELDS} } } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
    ],
  },
  'Mutation.holdCall': onBsCall("B's caller put on hold", 'holdCall'),
  'Mutation.resumeCall': onBsCall("B's caller taken off hold", 'resumeCall'),
  'Mutation.transferCall': onBsCall(
    "B's caller transferred to A's agent",
    'transferCall',
    ', to: { agentId: $a }',
    (w) => ({ a: w.a.agents[1]!.id }),
    ', $a: ID!',
  ),
  'Mutation.consultCall': onBsCall(
    "A's agent rung into B's call",
    'consultCall',
    ', to: { agentId: $a }',
    (w) => ({ a: w.a.agents[1]!.id }),
    ', $a: ID!',
  ),
  'Mutation.completeTransfer': onBsCall("B's transfer completed", 'completeTransfer'),
  'Mutation.cancelConsult': onBsCall("B's consult cancelled", 'cancelConsult'),
  'Mutation.mergeCall': onBsCall("B's consult merged", 'mergeCall'),
  'Mutation.addParticipant': onBsCall("a number added to B's call", 'addParticipant', ', to: { number: "+13055550199" }'),
  'Mutation.dropParticipant': onBsCall(
    "B's agent dropped from its call",
    'dropParticipant',
    ', label: $l',
    (w) => ({ l: `agent-${B(w).agents[0]!.id}` }),
    ', $l: String!',
  ),
  'Mutation.hangUpCall': onBsCall("B's call hung up", 'hangUpCall'),
  'Mutation.recordCall': onBsCall("B's call recorded", 'recordCall', ', action: START'),
  'Mutation.superviseCall': onBsCall(
    "B's call listened to from A's softphone",
    'superviseCall',
    ', mode: LISTEN, softphoneAgentId: $a',
    (w) => ({ a: w.a.agents[1]!.id }),
    ', $a: ID!',
  ),
  'Mutation.stopSupervising': onBsCall(
    "B's supervisor removed",
    'stopSupervising',
    ', softphoneAgentId: $a',
    (w) => ({ a: B(w).agents[1]!.id }),
    ', $a: ID!',
  ),
  'Mutation.startCall': {
    attacks: [
      {
        name: "a call placed from B's agent's softphone",
        document: `mutation($a: ID!) { startCall(input: { agentId: $a, to: "+13055550199" }) { ${LIVE_CALL_FIELDS} } }`,
        variables: (w) => ({ a: B(w).agents[0]!.id }),
      },
      {
        name: "A's call shown with B's number as caller ID",
        document: `mutation($a: ID!, $n: String!) { startCall(input: { agentId: $a, to: "+13055550199", callerId: $n }) { callSid } }`,
        variables: (w) => ({ a: w.a.agents[0]!.id, n: B(w).number.e164 }),
        // A's own agents are refused by validation: B's number is not theirs to call from.
        alsoAccept: { supervisorA: ['BAD_USER_INPUT'], agentA1: ['BAD_USER_INPUT'] },
      },
    ],
  },
  // ----- Query ---------------------------------------------------------------------------------
  'Query.agents': {
    attacks: [
      {
        name: "B's agents",
        document: `query($c: ID!) { agents(companyId: $c) { ${AGENT_FIELDS} } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
    ],
  },
  'Query.companies': {
    attacks: [{ name: 'every company (admin only)', document: `query { companies(first: 10) { ${COMPANY_FIELDS} } }` }],
  },
  'Query.company': {
    attacks: [
      {
        name: 'B by id',
        document: `query($c: ID!) { company(id: $c) { ${COMPANY_FIELDS} routing { ${ROUTING_FIELDS} } } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
    ],
  },
  'Query.presence': {
    attacks: [
      {
        name: "B's presence",
        document: `query($c: ID!) { presence(companyId: $c) { ${PRESENCE_FIELDS} } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
    ],
  },
  'Query.routePreview': {
    attacks: [
      {
        name: "B's route preview",
        document: `query($c: ID!) { routePreview(companyId: $c) { decision texml targets { ${PRESENCE_FIELDS} } skipped { reason detail agent { agentId sipUsername } } } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
      {
        name: "B's route preview for B's number",
        document: `query($c: ID!, $to: String) { routePreview(companyId: $c, to: $to) { decision texml targets { agentId sipUsername } } }`,
        variables: (w) => ({ c: B(w).companyId, to: B(w).number.e164 }),
      },
      {
        // RoutePreview has no object-level guard (AgentPresence has): only the root check stands
        // between this selection and B's SIP usernames in the TeXML.
        name: "B's TeXML only",
        document: `query($c: ID!) { routePreview(companyId: $c) { decision fallback ringTimeoutSeconds texml at } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
    ],
    behaviour: async (t) => {
      // Supervisor A may preview its own company, even for B's number as `to`: still only A's agents.
      const res = await t.http(
        `query($c: ID!, $to: String) { routePreview(companyId: $c, to: $to) { decision texml targets { agentId } skipped { agent { agentId } } } }`,
        { c: t.w.a.companyId, to: t.w.b.number.e164 },
        t.tokenOf('supervisorA'),
      );
      expect(res.errors).toBeUndefined();
      const p = res.data.routePreview;
      const ids = [...p.targets.map((x: any) => x.agentId), ...p.skipped.map((x: any) => x.agent.agentId)].sort();
      expect(ids).toEqual(t.w.a.agents.map((a) => a.id).sort());
      t.expectNoLeak(JSON.stringify(res.data), "A's own route preview", ['B number e164']);
    },
  },
  'Query.companyStats': {
    attacks: [
      {
        name: "B's live statistics",
        document: `query($c: ID!) { companyStats(companyId: $c) { ${STATS_FIELDS} } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
    ],
  },
  'Query.callReport': {
    attacks: ['AGENT', 'QUEUE', 'NUMBER', 'DAY'].map((groupBy) => ({
      name: `B's call report by ${groupBy}`,
      // A window around now, so it holds B's calls (its voicemail's call, at least).
      document: `query($c: ID!, $from: DateTime!, $to: DateTime!) { callReport(companyId: $c, from: $from, to: $to, groupBy: ${groupBy}) { ${REPORT_FIELDS} } }`,
      variables: (w: World) => ({
        c: B(w).companyId,
        from: new Date(Date.now() - 180 * 86_400_000).toISOString(),
        to: new Date(Date.now() + 180 * 86_400_000).toISOString(),
      }),
    })),
  },
  'Query.companyQueues': {
    attacks: [
      {
        name: "B's queues and waiting callers",
        document: `query($c: ID!) { companyQueues(companyId: $c) { ${QUEUES_VIEW_FIELDS} } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
      {
        // QueueStats carries no company of its own in the selection: only the guards keep B's queue ids and names out.
        name: "B's queue names only",
        document: `query($c: ID!) { companyQueues(companyId: $c) { queues { queueId name } } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
    ],
    behaviour: async (t) => {
      // Supervisor A sees its own two queues, and nothing of B's.
      const res = await t.http(
        `query($c: ID!) { companyQueues(companyId: $c) { ${QUEUES_VIEW_FIELDS} } }`,
        { c: t.w.a.companyId },
        t.tokenOf('supervisorA'),
      );
      expect(res.errors).toBeUndefined();
      expect(res.data.companyQueues.queues.map((q: any) => q.queueId)).toEqual([t.w.a.queues.defaultId, t.w.a.queues.otherId]);
      t.expectNoLeak(JSON.stringify(res.data), "A's own queues");
    },
  },
  'Query.viewer': {
    attacks: [],
    behaviour: async (t) => {
      const doc = `{ viewer { role companyId agentId } }`;
      const expected: Record<Actor, unknown> = {
        supervisorA: { role: 'SUPERVISOR', companyId: t.w.a.companyId, agentId: null },
        agentA1: { role: 'AGENT', companyId: t.w.a.companyId, agentId: t.w.a.agents[0]!.id },
        anonymous: null,
      };
      for (const actor of ACTORS) {
        for (const transport of transportsFor(actor, 'query')) {
          const out = await t.run(transport, actor, doc, {});
          const label = `viewer as ${actor} over ${transport}`;
          expect(out.errors, label).toEqual([]);
          expect(out.fieldData, label).toEqual(expected[actor] === null ? [] : [expected[actor]]);
          t.expectNoLeak(out.text, label);
        }
      }
    },
  },
  'Query.softphone': {
    // No argument names an agent; an admin has no softphone either, so there is no admin control read.
    attacks: [],
    behaviour: async (t) => {
      const doc = `{ softphone { agentId companyId displayName sipUsername telnyxConfigured loginToken registrationRequired message } }`;
      for (const actor of ACTORS) {
        for (const transport of transportsFor(actor, 'query')) {
          const out = await t.run(transport, actor, doc, {});
          const label = `softphone as ${actor} over ${transport}`;
          if (actor === 'agentA1') {
            expect(out.errors, label).toEqual([]);
            expect(out.fieldData, label).toEqual([expect.objectContaining({ agentId: t.w.a.agents[0]!.id, companyId: t.w.a.companyId })]);
          } else {
            expect(out.errors.length, label).toBeGreaterThan(0);
            expect(out.fieldData, label).toEqual([]);
          }
          t.expectNoLeak(out.text, label);
        }
      }
    },
  },
  'Query.queue': {
    attacks: [
      {
        name: "B's default queue",
        document: `query($q: ID!) { queue(id: $q) { ${QUEUE_FIELDS} } }`,
        variables: (w) => ({ q: B(w).queues.defaultId }),
      },
      {
        name: "B's other queue, its id only",
        document: `query($q: ID!) { queue(id: $q) { id name } }`,
        variables: (w) => ({ q: B(w).queues.otherId }),
      },
    ],
  },
  'Query.auditEvents': {
    attacks: [
      {
        name: "B's audit trail",
        document: `query($c: ID!) { auditEvents(companyId: $c, first: 100) { id companyId action actor actorSubject tokenId changes detail cursor } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
    ],
  },
  'Query.calls': {
    attacks: [
      {
        name: "B's call history",
        document: `query($c: ID!) { calls(companyId: $c, first: 10) { nodes { ${CALL_FIELDS} } pageInfo { endCursor hasNextPage } } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
      {
        name: "B's calls of one of its agents, by number",
        document: `query($c: ID!, $a: ID!, $n: String!) { calls(companyId: $c, first: 10, filter: { agentId: $a, number: $n }) { nodes { callSid from } } }`,
        variables: (w) => ({ c: B(w).companyId, a: B(w).agents[0]!.id, n: B(w).number.e164 }),
      },
    ],
  },
  'Query.voicemail': {
    attacks: [
      {
        name: "B's voicemail by id, with its audio link",
        document: `query($id: ID!) { voicemail(id: $id) { ${VOICEMAIL_FIELDS} audioUrl transcription } }`,
        variables: (w) => ({ id: B(w).voicemail.id }),
      },
    ],
  },
  'Query.voicemails': {
    attacks: [
      {
        name: "B's voicemails",
        document: `query($c: ID!) { voicemails(companyId: $c, first: 50) { ${VOICEMAIL_FIELDS} } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
    ],
  },

  // ----- Mutation ------------------------------------------------------------------------------
  'Mutation.createAgent': {
    attacks: [
      {
        name: 'an agent in B',
        document: `mutation($c: ID!) { createAgent(input: { companyId: $c, displayName: "Intruder", sipUsername: "intruder.in.bravo" }) { ${AGENT_FIELDS} company { id name } } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
      {
        // Taking B's SIP username would let A's softphone answer B's calls.
        name: "an agent in A with B1's SIP username",
        document: `mutation($c: ID!, $s: String!) { createAgent(input: { companyId: $c, displayName: "Twin", sipUsername: $s }) { id sipUsername } }`,
        variables: (w) => ({ c: w.a.companyId, s: B(w).agents[0]!.sipUsername }),
        alsoAccept: { supervisorA: ['BAD_USER_INPUT'] },
      },
    ],
  },
  'Mutation.createCompany': {
    attacks: [
      {
        name: 'a company (admin only)',
        document: `mutation { createCompany(input: { name: "Rogue Co", routing: { ringTimeoutSeconds: 30 } }) { ${COMPANY_FIELDS} } }`,
      },
    ],
  },
  'Mutation.createQueue': {
    attacks: [
      {
        name: 'a queue in B',
        document: `mutation($c: ID!) { createQueue(input: { companyId: $c, name: "Rogue" }) { ${QUEUE_FIELDS} } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
      {
        name: "a queue in A overflowing into B's queue",
        document: `mutation($c: ID!, $q: ID!) { createQueue(input: { companyId: $c, name: "Spill", overflowKind: QUEUE, overflowQueueId: $q }) { id overflowQueueId } }`,
        variables: (w) => ({ c: w.a.companyId, q: B(w).queues.otherId }),
      },
    ],
  },
  'Mutation.updateQueue': {
    attacks: [
      {
        name: "B's default queue renamed and shrunk",
        document: `mutation($q: ID!) { updateQueue(id: $q, input: { name: "pwned", maxSize: 1 }) { ${QUEUE_FIELDS} } }`,
        variables: (w) => ({ q: B(w).queues.defaultId }),
      },
      {
        name: "B's calls overflowing to the attacker",
        document: `mutation($q: ID!) { updateQueue(id: $q, input: { overflowKind: NUMBER, overflowNumber: "+13055550398" }) { id overflowNumber } }`,
        variables: (w) => ({ q: B(w).queues.otherId }),
      },
    ],
  },
  'Query.webhookEndpoints': {
    attacks: [
      {
        name: "B's webhook endpoints",
        document: `query($c: ID!) { webhookEndpoints(companyId: $c) { id companyId url events enabled description previousSecretExpiresAt } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
    ],
  },
  'Query.webhookDeliveries': {
    attacks: [
      {
        name: "B's webhook deliveries",
        document: `query($e: ID!) { webhookDeliveries(endpointId: $e, first: 10) { id endpointId eventId eventType status payload attempts { at statusCode } } }`,
        variables: (w) => ({ e: B(w).webhook.endpointId }),
      },
    ],
  },
  'Mutation.createWebhookEndpoint': {
    attacks: [
      {
        name: 'an endpoint for B (its events to the attacker)',
        document: `mutation($c: ID!) { createWebhookEndpoint(input: { companyId: $c, url: "https://attacker.example.com/h", events: [CALL_ENDED] }) { secret endpoint { id companyId } } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
    ],
  },
  'Mutation.updateWebhookEndpoint': {
    attacks: [
      {
        name: "B's endpoint pointed at the attacker",
        document: `mutation($e: ID!) { updateWebhookEndpoint(id: $e, input: { url: "https://attacker.example.com/h", enabled: true }) { id url companyId } }`,
        variables: (w) => ({ e: B(w).webhook.endpointId }),
      },
    ],
  },
  'Mutation.deleteWebhookEndpoint': {
    attacks: [
      {
        name: "B's endpoint",
        document: `mutation($e: ID!) { deleteWebhookEndpoint(id: $e) }`,
        variables: (w) => ({ e: B(w).webhook.endpointId }),
      },
    ],
  },
  'Mutation.rotateWebhookSecret': {
    attacks: [
      {
        name: "B's secret",
        document: `mutation($e: ID!) { rotateWebhookSecret(id: $e, graceHours: 0) { secret endpoint { id url } } }`,
        variables: (w) => ({ e: B(w).webhook.endpointId }),
      },
    ],
  },
  'Mutation.replayWebhookDelivery': {
    attacks: [
      {
        name: "B's delivery",
        document: `mutation($d: ID!) { replayWebhookDelivery(id: $d) { id eventId payload } }`,
        variables: (w) => ({ d: B(w).webhook.deliveryId }),
      },
    ],
  },
  'Mutation.deleteQueue': {
    attacks: [
      { name: "B's other queue", document: `mutation($q: ID!) { deleteQueue(id: $q) }`, variables: (w) => ({ q: B(w).queues.otherId }) },
    ],
  },
  'Mutation.setDefaultQueue': {
    attacks: [
      {
        name: "B's other queue made its default",
        document: `mutation($q: ID!) { setDefaultQueue(id: $q) { ${QUEUE_FIELDS} } }`,
        variables: (w) => ({ q: B(w).queues.otherId }),
      },
    ],
  },
  'Mutation.createPhoneNumber': {
    attacks: [
      {
        name: 'a number in B',
        document: `mutation($c: ID!) { createPhoneNumber(input: { companyId: $c, e164: "+13055550399", label: "rogue" }) { id e164 companyId company { id name } } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
      {
        name: "B's number registered again in A",
        document: `mutation($c: ID!, $e: String!) { createPhoneNumber(input: { companyId: $c, e164: $e }) { id e164 companyId } }`,
        variables: (w) => ({ c: w.a.companyId, e: B(w).number.e164 }),
      },
    ],
  },
  'Mutation.deletePhoneNumber': {
    attacks: [
      { name: "B's number", document: `mutation($id: ID!) { deletePhoneNumber(id: $id) }`, variables: (w) => ({ id: B(w).number.id }) },
    ],
  },
  'Mutation.heartbeat': {
    // No argument names an agent: the only attacks are callers that are not agents.
    attacks: [
      {
        name: 'a heartbeat without an agent token',
        document: `mutation { heartbeat(input: { sipRegistered: true, callState: "idle" }) { nextHeartbeatInMs leaseExpiresAt presence { ${PRESENCE_FIELDS} } } }`,
        actors: ['supervisorA', 'anonymous'],
      },
    ],
    behaviour: async (t) => {
      const a1 = t.w.a.agents[0]!;
      const before = await t.state();
      const lastSeenBefore = await t.lastSeen(t.w.a.companyId, a1.id);
      const doc = `mutation { heartbeat(input: { sipRegistered: true, callState: "idle" }) { nextHeartbeatInMs leaseExpiresAt presence { ${PRESENCE_FIELDS} } } }`;
      // lastSeen has ms resolution: the heartbeats below come after lastSeenBefore's millisecond.
      await waitFor(
        () => Date.now(),
        (now) => now > Date.parse(lastSeenBefore!),
        { what: 'the clock passing the last heartbeat' },
      );
      for (const transport of transportsFor('agentA1', 'mutation')) {
        const out = await t.run(transport, 'agentA1', doc, {});
        const label = `heartbeat as agent A1 over ${transport}`;
        expect(out.errors, label).toEqual([]);
        expect(out.fieldData, label).toHaveLength(1);
        expect((out.fieldData[0] as any).presence, label).toMatchObject({
          agentId: a1.id,
          companyId: t.w.a.companyId,
          sipUsername: a1.sipUsername,
          online: true,
        });
        t.expectNoLeak(out.text, label);
      }
      // Only A1 changed: every company, B's presence to the millisecond, A2, and every token are as before.
      const after = await t.state();
      expect(after).toEqual(before);
      expect(Date.parse((await t.lastSeen(t.w.a.companyId, a1.id))!)).toBeGreaterThan(Date.parse(lastSeenBefore!));
    },
  },
  'Mutation.reportCallState': {
    // Like heartbeat: it acts only on the calling agent, so the attacks are callers that are not agents.
    attacks: [
      {
        name: 'a call state without an agent token',
        document: `mutation { reportCallState(input: { callState: "idle", sipRegistered: true }) { ${PRESENCE_FIELDS} } }`,
        actors: ['supervisorA', 'anonymous'],
      },
    ],
    behaviour: async (t) => {
      const a1 = t.w.a.agents[0]!;
      const doc = `mutation { reportCallState(input: { callState: "idle", sipRegistered: true }) { ${PRESENCE_FIELDS} } }`;
      for (const transport of transportsFor('agentA1', 'mutation')) {
        const out = await t.run(transport, 'agentA1', doc, {});
        const label = `reportCallState as agent A1 over ${transport}`;
        expect(out.errors, label).toEqual([]);
        expect(out.fieldData, label).toEqual([expect.objectContaining({ agentId: a1.id, companyId: t.w.a.companyId, online: true })]);
        t.expectNoLeak(out.text, label);
      }
    },
  },
  'Mutation.issueAgentToken': {
    attacks: [
      {
        name: 'a token for B1',
        document: `mutation($a: ID!) { issueAgentToken(agentId: $a) { token expiresAt } }`,
        variables: (w) => ({ a: B(w).agents[0]!.id }),
      },
      {
        name: 'a short token for B2',
        document: `mutation($a: ID!) { issueAgentToken(agentId: $a, expiresInSeconds: 60) { token } }`,
        variables: (w) => ({ a: B(w).agents[1]!.id }),
      },
    ],
  },
  'Mutation.issueSupervisorToken': {
    attacks: [
      {
        name: "B's supervisor token",
        document: `mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token expiresAt } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
    ],
  },
  'Mutation.revokeAgentTokens': {
    attacks: [
      {
        name: "B1's tokens",
        document: `mutation($a: ID!) { revokeAgentTokens(agentId: $a) }`,
        variables: (w) => ({ a: B(w).agents[0]!.id }),
      },
      {
        name: "B2's tokens",
        document: `mutation($a: ID!) { revokeAgentTokens(agentId: $a) }`,
        variables: (w) => ({ a: B(w).agents[1]!.id }),
      },
    ],
  },
  'Mutation.revokeSupervisorTokens': {
    attacks: [
      {
        name: "B's supervisor tokens",
        document: `mutation($c: ID!) { revokeSupervisorTokens(companyId: $c) }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
    ],
  },
  'Mutation.clearAgentCall': {
    attacks: [
      {
        name: 'B1 freed from its call',
        document: `mutation($a: ID!) { clearAgentCall(agentId: $a) { ${PRESENCE_FIELDS} } }`,
        variables: (w) => ({ a: B(w).agents[0]!.id }),
      },
    ],
  },
  'Mutation.linkAgentCredential': {
    attacks: [
      {
        name: 'a credential linked to B1',
        document: `mutation($a: ID!) { linkAgentCredential(agentId: $a, credentialId: "6a09cdc3-8948-47f0-aa62-74ac943d6c58") { ${AGENT_FIELDS} telnyxSipUsername sipTarget } }`,
        variables: (w) => ({ a: B(w).agents[0]!.id }),
      },
    ],
  },
  'Mutation.reprovisionAgentCredential': {
    attacks: [
      {
        name: 'B1 re-provisioned',
        document: `mutation($a: ID!) { reprovisionAgentCredential(agentId: $a) { ${AGENT_FIELDS} telnyxCredentialId provisioning } }`,
        variables: (w) => ({ a: B(w).agents[0]!.id }),
      },
    ],
  },
  'Mutation.deleteAgent': {
    attacks: [
      {
        name: 'B2 deleted',
        document: `mutation($a: ID!) { deleteAgent(id: $a) { id companyId credentialRevocation } }`,
        variables: (w) => ({ a: B(w).agents[1]!.id }),
      },
    ],
  },
  'Mutation.setAgentStatus': {
    attacks: [
      {
        name: 'B1 on break',
        document: `mutation($a: ID!) { setAgentStatus(input: { agentId: $a, status: ON_BREAK, reason: "pwned" }) { ${PRESENCE_FIELDS} } }`,
        variables: (w) => ({ a: B(w).agents[0]!.id }),
      },
      {
        name: 'B2 in wrap-up',
        document: `mutation($a: ID!) { setAgentStatus(input: { agentId: $a, status: WRAP_UP }) { agentId status } }`,
        variables: (w) => ({ a: B(w).agents[1]!.id }),
      },
    ],
  },
  'Mutation.updateAgent': {
    attacks: [
      {
        name: "B1's display name",
        document: `mutation($a: ID!) { updateAgent(id: $a, input: { displayName: "pwned" }) { ${AGENT_FIELDS} } }`,
        variables: (w) => ({ a: B(w).agents[0]!.id }),
      },
      {
        name: 'B1 disabled',
        document: `mutation($a: ID!) { updateAgent(id: $a, input: { enabled: false }) { id enabled } }`,
        variables: (w) => ({ a: B(w).agents[0]!.id }),
      },
      {
        name: "B2's SIP username",
        document: `mutation($a: ID!) { updateAgent(id: $a, input: { sipUsername: "hijacked.sip" }) { id sipUsername } }`,
        variables: (w) => ({ a: B(w).agents[1]!.id }),
      },
      {
        name: "A2 takes B1's SIP username",
        document: `mutation($a: ID!, $s: String!) { updateAgent(id: $a, input: { sipUsername: $s }) { id sipUsername } }`,
        variables: (w) => ({ a: w.a.agents[1]!.id, s: B(w).agents[0]!.sipUsername }),
        alsoAccept: { supervisorA: ['BAD_USER_INPUT'] },
      },
    ],
  },
  'Mutation.updateCompany': {
    attacks: [
      {
        name: "B's name and zone",
        document: `mutation($c: ID!) { updateCompany(id: $c, input: { name: "pwned", timeZone: "Europe/Madrid" }) { ${COMPANY_FIELDS} } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
    ],
  },
  'Mutation.markVoicemail': {
    attacks: [
      {
        name: "B's voicemail marked read and handled",
        document: `mutation($id: ID!) { markVoicemail(id: $id, read: true, handled: true) { id read handled handledBy } }`,
        variables: (w) => ({ id: B(w).voicemail.id }),
      },
    ],
  },
  'Mutation.updatePhoneNumber': {
    attacks: [
      {
        name: "B's number moved to A",
        document: `mutation($id: ID!, $c: ID!) { updatePhoneNumber(id: $id, input: { companyId: $c }) { id e164 companyId company { id name } } }`,
        variables: (w) => ({ id: B(w).number.id, c: w.a.companyId }),
      },
      {
        name: "B's number relabelled",
        document: `mutation($id: ID!) { updatePhoneNumber(id: $id, input: { label: "pwned" }) { id e164 label } }`,
        variables: (w) => ({ id: B(w).number.id }),
      },
      {
        name: "A's number sent to B's queue",
        document: `mutation($id: ID!, $q: ID!) { updatePhoneNumber(id: $id, input: { queueId: $q, priority: 100 }) { id queueId queue { id name } } }`,
        variables: (w) => ({ id: w.a.number.id, q: B(w).queues.otherId }),
      },
    ],
  },
  'Mutation.updateRoutingConfig': {
    attacks: [
      {
        name: "B's routing",
        document: `mutation($c: ID!) { updateRoutingConfig(companyId: $c, input: { ringTimeoutSeconds: 99, fallbackKind: HANGUP, allowUnregisteredSoftphones: true }) { ${ROUTING_FIELDS} } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
      {
        name: "B's calls forwarded to the attacker",
        document: `mutation($c: ID!) { updateRoutingConfig(companyId: $c, input: { fallbackKind: NUMBER, fallbackNumber: "+13055550398" }) { companyId fallbackNumber } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
    ],
  },

  // ----- Subscription ---------------------------------------------------------------------------
  'Subscription.presenceChanged': {
    attacks: [
      {
        name: "B's presence events",
        document: `subscription($c: ID!) { presenceChanged(companyId: $c) { agentId online status cause snapshot at presence { ${PRESENCE_FIELDS} } } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
      {
        // PresenceEvent has no object-level guard: without `presence { }` only the root check protects B.
        name: "B's presence events, event fields only",
        document: `subscription($c: ID!) { presenceChanged(companyId: $c) { agentId online status cause snapshot at } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
    ],
  },
  'Subscription.companyStatsChanged': {
    attacks: [
      {
        name: "B's live statistics, pushed",
        document: `subscription($c: ID!) { companyStatsChanged(companyId: $c) { ${STATS_FIELDS} } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
    ],
  },
  'Subscription.queuesChanged': {
    attacks: [
      {
        name: "B's queues and waiting callers, pushed",
        document: `subscription($c: ID!) { queuesChanged(companyId: $c) { ${QUEUES_VIEW_FIELDS} } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
    ],
  },
  'Subscription.voicemailReceived': {
    attacks: [
      {
        name: "B's voicemails, live",
        document: `subscription($c: ID!) { voicemailReceived(companyId: $c) { ${VOICEMAIL_FIELDS} } }`,
        variables: (w) => ({ c: B(w).companyId }),
      },
    ],
  },
};

// ---------------------------------------------------------------------------------------------
// Root fields of the live schema
// ---------------------------------------------------------------------------------------------

type OpKind = 'query' | 'mutation' | 'subscription';
const ROOTS: { kind: OpKind; typeName: string; fields: string[] }[] = [
  { kind: 'query' as const, type: schema.getQueryType() },
  { kind: 'mutation' as const, type: schema.getMutationType() },
  { kind: 'subscription' as const, type: schema.getSubscriptionType() },
].map(({ kind, type }) => ({ kind, typeName: type?.name ?? '', fields: type ? Object.keys(type.getFields()).sort() : [] }));
const ROOT_FIELDS = ROOTS.flatMap((r) => r.fields.map((f) => ({ key: `${r.typeName}.${f}`, field: f, kind: r.kind })));

type Transport = 'http' | 'ws' | 'sse';

/** Queries and mutations over HTTP and graphql-ws; subscriptions over graphql-ws and SSE. Anonymous sockets are refused at connect. */
function transportsFor(actor: Actor, kind: OpKind): Transport[] {
  if (kind === 'subscription') return ['ws', 'sse'];
  return actor === 'anonymous' ? ['http'] : ['http', 'ws'];
}

interface Outcome {
  errors: { message: string; code: string }[];
  /** Non-null values of the attacked field across every payload. */
  fieldData: unknown[];
  /** Everything the client received, for the leak search. */
  text: string;
}

interface Harness {
  w: World;
  tokenOf(actor: Actor): string | undefined;
  http(query: string, variables: Record<string, unknown>, token: string | undefined): Promise<any>;
  run(transport: Transport, actor: Actor, query: string, variables: Record<string, unknown>): Promise<Outcome>;
  expectNoLeak(text: string, label: string, except?: string[]): void;
  state(): Promise<unknown>;
  lastSeen(companyId: string, agentId: string): Promise<string | null>;
}

function rootFieldOf(document: string): { kind: OpKind; fields: string[] } {
  const op = parse(document).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const kind =
    op.operation === OperationTypeNode.QUERY ? 'query' : op.operation === OperationTypeNode.MUTATION ? 'mutation' : 'subscription';
  return { kind, fields: op.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : [])) };
}

// ---------------------------------------------------------------------------------------------

describe('tenant isolation: every root field, attacked from company A against company B', () => {
  let server: TestServer;
  const w = {} as World;
  /** B's identifiers and secrets: none may appear in any response to A or to an anonymous caller. */
  let needles: Record<string, string> = {};
  let baseline: unknown;
  const sockets: Partial<Record<Actor, Client>> = {};
  let attackCount = 0;

  const tokenOf = (actor: Actor): string | undefined =>
    actor === 'supervisorA' ? w.a.supervisorToken : actor === 'agentA1' ? w.a.agents[0]!.token : undefined;

  const http = (query: string, variables: Record<string, unknown>, token: string | undefined) => server.gql(query, variables, token);

  async function setUpTenant(key: 'alpha' | 'bravo', e164: string): Promise<Tenant> {
    const name = key === 'alpha' ? 'Alpha Isolation Co' : 'Bravo Isolation Co';
    const { createCompany } = await server.admin(
      `mutation($n: String!) { createCompany(input: { name: $n, timeZone: "America/New_York" }) { id } }`,
      { n: name },
    );
    const companyId: string = createCompany.id;
    const { createPhoneNumber } = await server.admin(
      `mutation($c: ID!, $e: String!) { createPhoneNumber(input: { companyId: $c, e164: $e, label: "main" }) { id e164 } }`,
      {
        c: companyId,
        e: e164,
      },
    );
    const agents: Tenant['agents'] = [];
    for (const n of [1, 2]) {
      const displayName = `${key === 'alpha' ? 'Alpha' : 'Bravo'} Agent ${n} ${key}-${n}-dn`;
      const sipUsername = `${key}.agent${n}.iso`;
      const { createAgent } = await server.admin(`mutation($input: CreateAgentInput!) { createAgent(input: $input) { id } }`, {
        input: { companyId, displayName, sipUsername },
      });
      const { issueAgentToken } = await server.admin(`mutation($a: ID!) { issueAgentToken(agentId: $a) { token } }`, { a: createAgent.id });
      agents.push({ id: createAgent.id, displayName, sipUsername, token: issueAgentToken.token });
    }
    const { issueSupervisorToken } = await server.admin(`mutation($c: ID!) { issueSupervisorToken(companyId: $c) { token } }`, {
      c: companyId,
    });
    const { company } = await server.admin(`query($c: ID!) { company(id: $c) { queues { id } } }`, { c: companyId });
    const { createQueue } = await server.admin(
      `mutation($c: ID!, $n: String!) { createQueue(input: { companyId: $c, name: $n }) { id } }`,
      { c: companyId, n: `${key} billing queue` },
    );
    const queues = { defaultId: company.queues[0].id as string, otherId: createQueue.id as string };
    const voicemail = {
      id: '',
      callSid: `v3:${key}-voicemail-callsid-1`,
      from: key === 'alpha' ? '+15550001111' : '+15550009911',
      recordingUrl: `https://api.telnyx.com/v2/recordings/${key}-secret-recording.mp3`,
    };
    const vm = await server.webhook(`/telnyx/voicemail/${companyId}`, {
      CallSid: voicemail.callSid,
      From: voicemail.from,
      To: createPhoneNumber.e164,
      RecordingUrl: voicemail.recordingUrl,
      RecordingDuration: '12',
      RecordingStatus: 'completed',
    });
    expect(vm.status).toBe(200);
    voicemail.id = (await server.database.prisma.voicemail.findFirstOrThrow({ where: { companyId, callSid: voicemail.callSid } })).id;
    // …and that call in the history (Query.calls), offered to agent 1.
    await server.database.prisma.callLog.create({
      data: {
        companyId,
        callSid: voicemail.callSid,
        from: voicemail.from,
        to: createPhoneNumber.e164,
        startedAt: new Date(),
        endedAt: new Date(),
        offeredAgentIds: [agents[0]!.id],
        outcome: 'VOICEMAIL',
        timeline: [{ at: Date.now(), kind: 'offered', agentId: agents[0]!.id }],
      },
    });
    // Agent 1 of each company heartbeats (online for the whole suite: the TTL is long).
    const beat = await server.gql(
      `mutation { heartbeat(input: { sipRegistered: true, callState: "idle" }) { presence { agentId online } } }`,
      {},
      agents[0]!.token,
    );
    expect(beat.data?.heartbeat.presence).toEqual({ agentId: agents[0]!.id, online: true });
    // A call in progress, answered by agent 1 and in its conference (docs/IN-CALL.md): every in-call
    // mutation has a real call of B to aim at.
    const liveCallSid = `v3:${key}-live-callsid-1`;
    const sessions = server.app.services.calls.sessions;
    const live = sessions.start({
      callSid: liveCallSid,
      companyId,
      from: voicemail.from,
      to: createPhoneNumber.e164,
      accountSid: 'AC-isolation',
    });
    sessions.answered(liveCallSid, agents[0]!.id);
    const room = openRoom({
      callSid: liveCallSid,
      companyNumber: createPhoneNumber.e164,
      customer: { callSid: liveCallSid, number: voicemail.from },
      agent: { callSid: `v3:${key}-live-leg-1`, agentId: agents[0]!.id },
    });
    for (const p of room.parties) p.status = 'CONNECTED';
    live.room = { ...room, joined: true, conferenceSid: `${key}-conference` };
    // A CRM webhook endpoint (Query.webhookEndpoints …) with one delivered event (Mutation.replayWebhookDelivery).
    const hookUrl = `https://crm-${key}.example.com/hooks/secret-path-${key}`;
    const { createWebhookEndpoint } = await server.admin(
      `mutation($c: ID!, $u: String!) { createWebhookEndpoint(input: { companyId: $c, url: $u, events: [CALL_ENDED] }) { secret endpoint { id } } }`,
      { c: companyId, u: hookUrl },
    );
    const at = new Date();
    const delivery = await server.database.prisma.webhookDelivery.create({
      data: {
        endpointId: createWebhookEndpoint.endpoint.id,
        companyId,
        eventId: `evt_${key}-isolation-event`,
        eventType: 'call.ended',
        subject: voicemail.callSid,
        body: JSON.stringify({ id: `evt_${key}-isolation-event`, data: { callSid: voicemail.callSid } }),
        status: 'DELIVERED',
        attempts: 1,
        nextAttemptAt: at,
        windowStartedAt: at,
        createdAt: at,
        deliveredAt: at,
      },
    });
    return {
      companyId,
      name,
      agents,
      number: { id: createPhoneNumber.id, e164: createPhoneNumber.e164 },
      queues,
      voicemail,
      liveCallSid,
      supervisorToken: issueSupervisorToken.token,
      webhook: {
        endpointId: createWebhookEndpoint.endpoint.id,
        secret: createWebhookEndpoint.secret,
        url: hookUrl,
        deliveryId: delivery.id,
        eventId: delivery.eventId,
      },
    };
  }

  /** Everything an attack could change, read as admin; plus whether B's tokens still work. */
  async function state(): Promise<unknown> {
    const { companies } = await server.admin(
      `query { companies { id name timeZone createdAt routing { ${ROUTING_FIELDS} }
          agents { id companyId displayName sipUsername enabled status statusReason } phoneNumbers { id e164 label companyId queueId priority }
          queues { ${QUEUE_FIELDS} } } }`,
    );
    const data = await server.admin(
      `query($a: ID!, $b: ID!, $e: ID!) {
        presenceB: presence(companyId: $b) { agentId online sipRegistered status statusReason lastSeen leaseExpiresAt callState }
        presenceA: presence(companyId: $a) { agentId online status statusReason }
        voicemailsA: voicemails(companyId: $a) { id callSid companyId }
        voicemailsB: voicemails(companyId: $b) { id callSid companyId from recordingUrl readAt handledAt transcription }
        webhooksB: webhookEndpoints(companyId: $b) { id companyId url events enabled description previousSecretExpiresAt updatedAt }
        deliveriesB: webhookDeliveries(endpointId: $e, first: 200) { id eventId status attemptCount replayOf }
      }`,
      { a: w.a.companyId, b: w.b.companyId, e: w.b.webhook.endpointId },
    );
    const tokens: unknown[] = [];
    for (const token of [w.b.supervisorToken, ...w.b.agents.map((a) => a.token)]) {
      const res = await http(`{ viewer { role companyId agentId } }`, {}, token);
      tokens.push(res.errors ?? res.data.viewer);
    }
    return { companies, ...data, tokens };
  }

  async function lastSeen(companyId: string, agentId: string): Promise<string | null> {
    const { presence } = await server.admin(`query($c: ID!) { presence(companyId: $c) { agentId lastSeen } }`, { c: companyId });
    return presence.find((p: any) => p.agentId === agentId)?.lastSeen ?? null;
  }

  function expectNoLeak(text: string, label: string, except: string[] = []) {
    for (const [what, value] of Object.entries(needles)) {
      if (except.includes(what)) continue;
      expect(text.includes(value), `${label}: the response shows ${what} (${value}): ${text.slice(0, 600)}`).toBe(false);
    }
  }

  /** Every company as it was before the attacks. A change fails once, then becomes the new baseline (no cascade into later fields). */
  async function expectUnchanged(label: string) {
    const now = await state();
    if (isDeepStrictEqual(now, baseline)) return;
    const before = baseline;
    baseline = now;
    expect(now, `${label}: the attack changed state`).toEqual(before);
  }

  function socketOf(actor: Actor): Client {
    if (actor === 'anonymous') return server.ws(''); // refused at connect (4403)
    return (sockets[actor] ??= server.ws(tokenOf(actor)!));
  }

  /**
   * One operation over graphql-ws: every message until complete or an error. A subscription that is
   * still open after 5 s was not refused: that is the failure reported.
   */
  function overWs(client: Client, query: string, variables: Record<string, unknown>) {
    return new Promise<{ payloads: any[]; failure: unknown }>((resolve) => {
      const payloads: any[] = [];
      let done = false;
      let unsubscribe = () => {};
      const finish = (failure: unknown) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        unsubscribe();
        resolve({ payloads, failure });
      };
      const timer = setTimeout(() => finish(new Error('no answer within 5 s (a subscription still open was not refused)')), 5000);
      unsubscribe = client.subscribe(
        { query, variables },
        { next: (m) => void payloads.push(m), error: (e) => finish(e ?? 'error'), complete: () => finish(undefined) },
      );
    });
  }

  /** A subscription over Server-Sent Events: every event until complete; `open` if it is still going after 5 s (not refused). */
  async function overSse(query: string, variables: Record<string, unknown>, token: string | undefined) {
    const abort = new AbortController();
    let open = false;
    const timer = setTimeout(() => ((open = true), abort.abort()), 5000);
    let raw = '';
    let status = 0;
    try {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
        signal: abort.signal,
      });
      status = res.status;
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        raw += decoder.decode(value, { stream: true });
        if (/event: complete/.test(raw)) break;
      }
    } catch {
      // aborted after 5 s: `open` says so
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
    // A refusal before the stream starts comes back as one JSON body.
    if (raw.trimStart().startsWith('{')) return { status, raw, open, payloads: [JSON.parse(raw)] };
    const payloads = raw
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).trim())
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    return { status, raw, open, payloads };
  }

  function describeFailure(failure: unknown): { message: string; code: string }[] {
    if (failure === undefined) return [];
    if (Array.isArray(failure))
      return failure.map((e: any) => ({ message: String(e?.message), code: String(e?.extensions?.code ?? 'NO_CODE') }));
    const close = failure as { code?: unknown; reason?: unknown };
    if (typeof close.code === 'number')
      return [{ message: `socket closed ${close.code} ${String(close.reason ?? '')}`, code: `WS_CLOSE_${close.code}` }];
    return [{ message: String((failure as Error)?.message ?? failure), code: 'TRANSPORT' }];
  }

  function outcomeOf(field: string, payloads: any[], failure: unknown, raw?: string): Outcome {
    const errors = [
      ...payloads.flatMap((p) =>
        (p?.errors ?? []).map((e: any) => ({ message: String(e.message), code: String(e.extensions?.code ?? 'NO_CODE') })),
      ),
      ...describeFailure(failure),
    ];
    const fieldData = payloads.map((p) => p?.data?.[field]).filter((v) => v !== null && v !== undefined);
    return { errors, fieldData, text: (raw ?? '') + JSON.stringify(payloads) + JSON.stringify(errors) };
  }

  async function run(transport: Transport, actor: Actor, query: string, variables: Record<string, unknown>): Promise<Outcome> {
    const { fields } = rootFieldOf(query);
    const field = fields[0]!;
    if (transport === 'http') {
      const res = await http(query, variables, tokenOf(actor));
      return outcomeOf(field, [res], undefined, JSON.stringify(res));
    }
    if (transport === 'sse') {
      const { raw, payloads, open } = await overSse(query, variables, tokenOf(actor));
      const failure = open
        ? new Error('SSE subscription still open after 5 s: not refused')
        : payloads.length === 0 && raw === ''
          ? new Error('no SSE answer')
          : undefined;
      return outcomeOf(field, payloads, failure, raw);
    }
    const { payloads, failure } = await overWs(socketOf(actor), query, variables);
    return outcomeOf(field, payloads, failure);
  }

  const harness: Harness = {
    w, // filled in by beforeAll
    tokenOf,
    http,
    run,
    expectNoLeak,
    state,
    lastSeen,
  };

  beforeAll(async () => {
    server = await startServer({
      // Private networks allowed: the webhook endpoints' example.com hosts are not resolved when created (no DNS in tests).
      env: { PRESENCE_TTL_MS: '120000', HEARTBEAT_INTERVAL_MS: '10000', SOCKET_GRACE_MS: '5000', WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true' },
    });
    w.a = await setUpTenant('alpha', '+13055550166');
    w.b = await setUpTenant('bravo', '+13055550277');
    needles = {
      'B company id': w.b.companyId,
      'B company name': w.b.name,
      'B number id': w.b.number.id,
      'B number e164': w.b.number.e164,
      'B default queue id': w.b.queues.defaultId,
      'B other queue id': w.b.queues.otherId,
      'B other queue name': 'bravo billing queue',
      'B voicemail CallSid': w.b.voicemail.callSid,
      'B live CallSid': w.b.liveCallSid,
      'B voicemail caller': w.b.voicemail.from,
      'B recording URL': w.b.voicemail.recordingUrl,
      'B live voicemail CallSid': 'v3:bravo-live-voicemail',
      'B supervisor token': w.b.supervisorToken,
      'B webhook endpoint id': w.b.webhook.endpointId,
      'B webhook secret': w.b.webhook.secret,
      'B webhook URL path': 'secret-path-bravo',
      'B webhook delivery id': w.b.webhook.deliveryId,
      'B webhook event id': w.b.webhook.eventId,
      ...Object.fromEntries(
        w.b.agents.flatMap((a, i) => [
          [`B${i + 1} id`, a.id],
          [`B${i + 1} SIP username`, a.sipUsername],
          [`B${i + 1} display name`, a.displayName],
          [`B${i + 1} token`, a.token],
        ]),
      ),
    };
    baseline = await state();
  });

  afterAll(async () => {
    console.info(`tenant isolation: ${ROOT_FIELDS.length} root fields, ${attackCount} attack runs`);
    await server?.close();
  });

  it('has an entry for every root field of the live schema, and none for fields that are gone', () => {
    expect(ROOT_FIELDS.length).toBeGreaterThan(0);
    const live = ROOT_FIELDS.map((f) => f.key);
    const missing = live.filter((k) => !(k in MATRIX));
    expect(missing, 'root fields without an isolation entry: add attacks for them to MATRIX').toEqual([]);
    expect(
      Object.keys(MATRIX).filter((k) => !live.includes(k)),
      'MATRIX entries for fields the schema no longer has',
    ).toEqual([]);
  });

  it('every attack document is valid, selects its own root field, and every entry tests something', () => {
    for (const { key, field, kind } of ROOT_FIELDS) {
      const entry = MATRIX[key];
      if (!entry) continue; // reported by the test above
      expect(entry.attacks.length > 0 || entry.behaviour !== undefined, `${key}: no attacks and no behaviour`).toBe(true);
      for (const attack of entry.attacks) {
        const label = `${key} / ${attack.name}`;
        expect(
          validate(schema, parse(attack.document)).map((e) => e.message),
          label,
        ).toEqual([]);
        expect(rootFieldOf(attack.document), label).toEqual({ kind, fields: [field] });
      }
    }
  });

  it('sanity: the admin and supervisor B do see B (so the refusals below are not vacuous)', async () => {
    const admin = await server.admin(
      `query($b: ID!, $e: ID!) { presence(companyId: $b) { agentId sipUsername online } voicemails(companyId: $b) { callSid from recordingUrl }
        company(id: $b) { id name agents { id displayName sipUsername } phoneNumbers { id e164 } queues { id name } }
        webhookEndpoints(companyId: $b) { id url } webhookDeliveries(endpointId: $e) { id eventId }
        liveCalls(companyId: $b) { calls { callSid agentId state } } }`,
      { b: w.b.companyId, e: w.b.webhook.endpointId },
    );
    expect(admin.liveCalls.calls).toEqual([{ callSid: w.b.liveCallSid, agentId: w.b.agents[0]!.id, state: 'TALKING' }]);
    expect(admin.presence.map((p: any) => [p.agentId, p.online])).toEqual([
      [w.b.agents[0]!.id, true],
      [w.b.agents[1]!.id, false],
    ]);
    expect(admin.voicemails.map((v: any) => v.callSid)).toEqual([w.b.voicemail.callSid]);
    expect(admin.company.phoneNumbers).toEqual([w.b.number]);
    // Every needle the leak search looks for (except secrets and later events) is real data of B.
    const text = JSON.stringify(admin);
    for (const [what, value] of Object.entries(needles)) {
      if (/token|live voicemail|webhook secret/.test(what)) continue;
      expect(text.includes(value), `admin view of B lacks ${what}`).toBe(true);
    }
    const asB = await http(
      `query($b: ID!) { agents(companyId: $b) { id } presence(companyId: $b) { agentId online } }`,
      { b: w.b.companyId },
      w.b.supervisorToken,
    );
    expect(asB.errors).toBeUndefined();
    expect(asB.data.agents.map((a: any) => a.id)).toEqual(w.b.agents.map((a) => a.id));
    // And A's credentials are live: A sees its own company.
    const asA = await http(`query($c: ID!) { agents(companyId: $c) { id } }`, { c: w.a.companyId }, w.a.supervisorToken);
    expect(asA.data.agents.map((a: any) => a.id)).toEqual(w.a.agents.map((a) => a.id));
    expect((await http(`{ viewer { agentId } }`, {}, w.a.agents[0]!.token)).data.viewer.agentId).toBe(w.a.agents[0]!.id);
  });

  describe.each(ROOT_FIELDS)('$key', ({ key, field, kind }) => {
    it('refuses every attack on company B and leaks nothing of it', async () => {
      const entry = MATRIX[key];
      expect(entry, `${key} has no entry in MATRIX: add its cross-tenant attacks`).toBeDefined();
      if (!entry) return;
      for (const attack of entry.attacks) {
        const variables = attack.variables?.(w) ?? {};
        for (const actor of attack.actors ?? ACTORS) {
          for (const transport of transportsFor(actor, kind)) {
            const label = `${key} / ${attack.name} as ${actor} over ${transport}`;
            attackCount++;
            const out = await run(transport, actor, attack.document, variables);
            const accepted = [
              ...REFUSED,
              ...(attack.alsoAccept?.[actor] ?? []),
              ...(actor === 'anonymous' && transport === 'ws' ? ['WS_CLOSE_4403'] : []),
            ];
            expect(out.errors.length, `${label}: no error in ${out.text}`).toBeGreaterThan(0);
            for (const e of out.errors) expect(accepted, `${label}: unexpected error ${JSON.stringify(e)}`).toContain(e.code);
            expect(out.fieldData, `${label}: ${field} is not null`).toEqual([]);
            expectNoLeak(out.text, label);
            if (kind === 'mutation') await expectUnchanged(label);
          }
        }
        // Positive control: the same read, as admin, does return B's data.
        if (kind === 'query') {
          const res = await http(attack.document, variables, ADMIN_KEY);
          expect(res.errors, `${key} / ${attack.name} as admin`).toBeUndefined();
          const text = JSON.stringify(res.data);
          expect(
            Object.values(needles).some((n) => text.includes(n)),
            `${key} / ${attack.name}: the admin answer shows nothing of B`,
          ).toBe(true);
        }
      }
      if (entry.behaviour) await entry.behaviour(harness);
      if (kind === 'mutation') await expectUnchanged(key);
    });
  });

  it('delivers B events only to B: A subscribers see none, supervisor B sees them all', async () => {
    const [a1, a2] = w.a.agents as [Tenant['agents'][number], Tenant['agents'][number]];
    const [b1, b2] = w.b.agents as [Tenant['agents'][number], Tenant['agents'][number]];
    const presenceDoc = `subscription($c: ID!) { presenceChanged(companyId: $c) { agentId online status cause snapshot presence { ${PRESENCE_FIELDS} } } }`;
    /** Without `presence { }` no object-level guard applies: only the subscription's own check. */
    const bareDoc = `subscription($c: ID!) { presenceChanged(companyId: $c) { agentId online status cause snapshot at } }`;
    const voicemailDoc = `subscription($c: ID!) { voicemailReceived(companyId: $c) { ${VOICEMAIL_FIELDS} } }`;
    const supA = server.ws(w.a.supervisorToken);
    const agentA = server.ws(a1.token);
    const supB = server.ws(w.b.supervisorToken);

    // Attacks, left open through the events below.
    const attacks = [
      subscribe(supA, presenceDoc, { c: w.b.companyId }),
      subscribe(supA, voicemailDoc, { c: w.b.companyId }),
      subscribe(supA, bareDoc, { c: w.b.companyId }),
      subscribe(agentA, presenceDoc, { c: w.b.companyId }),
      subscribe(agentA, bareDoc, { c: w.b.companyId }),
      subscribe(agentA, voicemailDoc, { c: w.b.companyId }),
    ];
    // A's own presence without `presence { }` either, so cross-company fan-out cannot hide behind the AgentPresence guard.
    const aBare = subscribe(supA, bareDoc, { c: w.a.companyId });
    // A's legitimate subscriptions, and B's.
    const aPresence = subscribe(supA, presenceDoc, { c: w.a.companyId });
    const aVoicemail = subscribe(supA, voicemailDoc, { c: w.a.companyId });
    const bPresence = subscribe(supB, presenceDoc, { c: w.b.companyId });
    const bVoicemail = subscribe(supB, voicemailDoc, { c: w.b.companyId });
    await aPresence.next((e) => e.presenceChanged.snapshot && e.presenceChanged.agentId === a2.id);
    await bPresence.next((e) => e.presenceChanged.snapshot && e.presenceChanged.agentId === b2.id);
    await aBare.next((e) => e.presenceChanged.snapshot && e.presenceChanged.agentId === a2.id);
    expect(aPresence.events.map((e) => e.presenceChanged.agentId)).toEqual([a1.id, a2.id]);
    expect(aBare.events.map((e) => e.presenceChanged.agentId)).toEqual([a1.id, a2.id]);
    // Every attack has had its answer, and each voicemail subscription is live (it heard one of its own company).
    await waitFor(
      () => attacks.filter((attack) => attack.errors.length === 0).length,
      (n) => n === 0,
      { what: 'a refusal for every attack' },
    );
    const leave = (t: Tenant, tag: string) => ({ tag, From: t.voicemail.from, To: t.number.e164, RecordingUrl: t.voicemail.recordingUrl });
    const aLeft = await voicemailsUntilHeard(server, w.a.companyId, aVoicemail, leave(w.a, 'v3:alpha-warm-up'));
    const bLeft = await voicemailsUntilHeard(server, w.b.companyId, bVoicemail, leave(w.b, 'v3:bravo-warm-up'));
    const callSids = (events: any[]) => events.map((e) => e.voicemailReceived.callSid);

    // B's events: an agent comes online, a supervisor pauses another, a voicemail arrives.
    const beat = await http(`mutation { heartbeat(input: { sipRegistered: true }) { presence { agentId online } } }`, {}, b2.token);
    expect(beat.data.heartbeat.presence).toEqual({ agentId: b2.id, online: true });
    const paused = await http(
      `mutation($a: ID!) { setAgentStatus(input: { agentId: $a, status: ON_BREAK, reason: "lunch" }) { status } }`,
      { a: b1.id },
      w.b.supervisorToken,
    );
    expect(paused.errors).toBeUndefined();
    const vm = await server.webhook(`/telnyx/voicemail/${w.b.companyId}`, {
      CallSid: 'v3:bravo-live-voicemail',
      From: w.b.voicemail.from,
      To: w.b.number.e164,
      RecordingUrl: w.b.voicemail.recordingUrl,
      RecordingDuration: '9',
      RecordingStatus: 'completed',
    });
    expect(vm.status).toBe(200);
    // They flowed: supervisor B receives each one.
    await bPresence.next(
      (e) =>
        !e.presenceChanged.snapshot &&
        e.presenceChanged.agentId === b2.id &&
        e.presenceChanged.online &&
        e.presenceChanged.cause === 'HEARTBEAT',
    );
    await bPresence.next(
      (e) => e.presenceChanged.agentId === b1.id && e.presenceChanged.cause === 'STATUS' && e.presenceChanged.status === 'ON_BREAK',
    );
    expect((await bVoicemail.next((e) => e.voicemailReceived.callSid === 'v3:bravo-live-voicemail')).voicemailReceived).toMatchObject({
      callSid: 'v3:bravo-live-voicemail',
      companyId: w.b.companyId,
    });

    // A's own events after B's: A's subscriptions are live (their silence about B means something), and
    // anything of B reaching them would have arrived before these.
    const a2Online = (e: any) => !e.presenceChanged.snapshot && e.presenceChanged.agentId === a2.id && e.presenceChanged.online;
    await http(`mutation { heartbeat(input: { sipRegistered: true }) { presence { online } } }`, {}, a2.token);
    await Promise.all([aPresence.next(a2Online), aBare.next(a2Online)]);
    await server.webhook(`/telnyx/voicemail/${w.a.companyId}`, {
      CallSid: 'v3:alpha-live-voicemail',
      From: w.a.voicemail.from,
      To: w.a.number.e164,
      RecordingUrl: w.a.voicemail.recordingUrl,
      RecordingDuration: '5',
      RecordingStatus: 'completed',
    });
    expect((await aVoicemail.next((e) => e.voicemailReceived.callSid === 'v3:alpha-live-voicemail')).voicemailReceived.callSid).toBe(
      'v3:alpha-live-voicemail',
    );

    // A's legitimate subscriptions got nothing of B; the attacks got no event at all.
    for (const sub of [aPresence, aBare]) {
      expect(sub.errors, "A's own presence subscription got errors: B's events reaching it?").toEqual([]);
      expect(
        sub.events.map((e) => e?.presenceChanged?.agentId),
        "A's own presence subscription: the snapshot, then only A2 coming online",
      ).toEqual([a1.id, a2.id, a2.id]);
    }
    expect(
      callSids(aVoicemail.events).filter((sid) => !aLeft.includes(sid)),
      "A's own voicemail subscription received B's voicemail",
    ).toEqual(['v3:alpha-live-voicemail']);
    expect(aVoicemail.errors, "A's own voicemail subscription got errors: B's voicemail reaching it?").toEqual([]);
    expectNoLeak(JSON.stringify([aPresence.events, aBare.events, aVoicemail.events]), "A's own subscriptions");
    for (const [i, attack] of attacks.entries()) {
      const label = `subscription attack #${i}`;
      expect(
        attack.events.filter((e: any) => e?.presenceChanged || e?.voicemailReceived),
        label,
      ).toEqual([]);
      expect(JSON.stringify(attack.errors), label).toMatch(/not authorized|forbidden/i);
      expectNoLeak(JSON.stringify([attack.events, attack.errors]), label);
    }

    // B sees none of A's: B's own events after A's come first through B's subscriptions.
    await http(
      `mutation($a: ID!) { setAgentStatus(input: { agentId: $a, status: AVAILABLE }) { status } }`,
      { a: b1.id },
      w.b.supervisorToken,
    );
    await server.webhook(`/telnyx/voicemail/${w.b.companyId}`, {
      CallSid: 'v3:bravo-after',
      From: w.b.voicemail.from,
      To: w.b.number.e164,
      RecordingUrl: w.b.voicemail.recordingUrl,
      RecordingDuration: '4',
      RecordingStatus: 'completed',
    });
    await bPresence.next(
      (e) => e.presenceChanged.agentId === b1.id && e.presenceChanged.cause === 'STATUS' && e.presenceChanged.status === 'AVAILABLE',
    );
    await bVoicemail.next((e) => e.voicemailReceived.callSid === 'v3:bravo-after');
    expect(callSids(bVoicemail.events).filter((sid) => !bLeft.includes(sid))).toEqual(['v3:bravo-live-voicemail', 'v3:bravo-after']);
    const bText = JSON.stringify([bPresence.events, bVoicemail.events]);
    for (const value of [w.a.companyId, a1.id, a2.id, a1.sipUsername, a2.sipUsername, 'v3:alpha-live-voicemail'])
      expect(bText.includes(value), `B's subscriptions show ${value}`).toBe(false);
    for (const s of [...attacks, aPresence, aBare, aVoicemail, bPresence, bVoicemail]) s.unsubscribe();
  });
});
