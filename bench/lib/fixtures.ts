/**
 * The benchmark population: `agents` agents spread over companies of `agentsPerCompany`, with
 * deterministic ids so the server and the load generator agree without exchanging 100k rows.
 * Seeded with multi-row inserts (createMany in chunks), not one GraphQL call per row.
 */
import type { Database, Db } from '../../src/infra/db.js';
import type { SqlRunner } from '../../src/infra/sql.js';

export interface Population {
  agents: number;
  agentsPerCompany: number;
  /**
   * Each company also gets a phone number (`companyNumber`) and a routing row with a short voicemail
   * greeting, so whole calls can be placed to it (the calls scenario).
   */
  telephony?: boolean;
  /**
   * The queue scenario's extras: each company gets its default queue as a row (`defaultQueueId`, so
   * `updateQueue` can raise its maxSize) and each agent a Telnyx credential (`credentialSipUsername`):
   * with TELNYX_API_KEY set the service dials the credential's SIP username, never the agent's own.
   */
  queues?: boolean;
}

export const companyCount = (p: Population) => Math.ceil(p.agents / p.agentsPerCompany);
export const companyId = (index: number) => `bench-co-${index}`;
export const agentId = (index: number) => `bench-ag-${index}`;
export const companyOfAgent = (p: Population, agentIndex: number) => Math.floor(agentIndex / p.agentsPerCompany);
/** The number a company's calls are placed to: +1 555 then 7 digits of its index. */
export const companyNumber = (index: number) => `+1555${String(index).padStart(7, '0')}`;
/** The queue scenario: the default queue row of a company (the queues migration names them `dq_<companyId>`). */
export const defaultQueueId = (index: number) => `dq_${companyId(index)}`;
/** The queue scenario: the SIP username of an agent's Telnyx credential (what calls to the agent dial). */
export const credentialSipUsername = (agentIndex: number) => `benchcred${agentIndex}`;
/** The server's ADMIN_API_KEY in the bench (the queue scenario raises maxSize through GraphQL with it). */
/** An inbound call's voice webhook as Telnyx posts it (form body), a new CallSid per `seq` of a `run`. */
export const voiceBody = (run: string, seq: number) =>
  `CallSid=bench-${run}-${seq}&From=%2B15550001111&To=%2B15550002222&CallStatus=ringing`;

export const BENCH_ADMIN_KEY = 'bench-admin-key-0123456789';

/** Four words (~1.6 s of simulated speech), so a voicemail call lasts about as long as an answered one. */
export const BENCH_VOICEMAIL_GREETING = 'Please leave a message.';

/** The ceiling's default TeXML answer (one agent); the bench gives it the service's own answer instead. */
export const CEILING_TEXML =
  '<?xml version="1.0" encoding="UTF-8"?><Response><Dial timeout="25" ringTone="us"><Sip>sip:bench.ag.0@sip.telnyx.com</Sip></Dial></Response>';

/** What the service answers the bench's heartbeat with (its `nextHeartbeatInMs`), as the ceiling's fixed answer. */
export const CEILING_HEARTBEAT_JSON = '{"data":{"heartbeat":{"nextHeartbeatInMs":10000}}}';

/** Rows per INSERT: well under Postgres's 65,535 bind parameters for the widest row. */
const CHUNK = 5_000;

export async function seedPopulation(db: Db, p: Population): Promise<void> {
  const companies = companyCount(p);
  for (let start = 0; start < companies; start += CHUNK) {
    const data = [];
    for (let c = start; c < Math.min(companies, start + CHUNK); c++) data.push({ id: companyId(c), name: `Bench company ${c}` });
    await db.company.createMany({ data });
  }
  for (let start = 0; start < p.agents; start += CHUNK) {
    const data = [];
    for (let a = start; a < Math.min(p.agents, start + CHUNK); a++) {
      data.push({
        id: agentId(a),
        companyId: companyId(companyOfAgent(p, a)),
        displayName: `Agent ${a}`,
        sipUsername: `bench.ag.${a}`,
        ...(p.queues && { telnyxCredentialId: `bench-credential-${a}`, telnyxSipUsername: credentialSipUsername(a) }),
      });
    }
    await db.agent.createMany({ data });
  }
  if (p.telephony) {
    for (let start = 0; start < companies; start += CHUNK) {
      const numbers = [];
      const routing = [];
      for (let c = start; c < Math.min(companies, start + CHUNK); c++) {
        numbers.push({ id: `bench-num-${c}`, e164: companyNumber(c), companyId: companyId(c) });
        routing.push({ companyId: companyId(c), voicemailGreeting: BENCH_VOICEMAIL_GREETING });
      }
      await db.phoneNumber.createMany({ data: numbers });
      await db.routingConfig.createMany({ data: routing });
    }
  }
  if (!p.queues) return;
  for (let start = 0; start < companies; start += CHUNK) {
    const data = [];
    for (let c = start; c < Math.min(companies, start + CHUNK); c++)
      data.push({ id: defaultQueueId(c), companyId: companyId(c), name: 'Main', isDefault: true });
    await db.queue.createMany({ data });
  }
}

const WRITE_OPERATIONS = new Set([
  'create',
  'createMany',
  'createManyAndReturn',
  'update',
  'updateMany',
  'updateManyAndReturn',
  'upsert',
  'delete',
  'deleteMany',
]);

/**
 * The same database, counting write statements (model writes and $executeRaw through Prisma, and the
 * write-behind batches the app runs on the driver's connection, src/services/call-log-writer.ts), so a
 * benchmark can report database writes per 1,000 heartbeats on either engine, and every operation
 * (reads too: one model query, whatever SQL statements Prisma makes of it), so a window's database
 * work shows.
 */
export function countingWrites(database: Database): { database: Database; writes: () => number; operations: () => number } {
  let writes = 0;
  let operations = 0;
  const sql: SqlRunner = {
    ...database.sql,
    query(text, params) {
      operations++;
      if (WRITE_STATEMENT.test(text)) writes++;
      return database.sql.query(text, params);
    },
  };
  const counted = database.prisma.$extends({
    query: {
      $allModels: {
        $allOperations({ operation, args, query }) {
          operations++;
          if (WRITE_OPERATIONS.has(operation)) writes++;
          return query(args);
        },
      },
      $executeRaw({ args, query }) {
        operations++;
        writes++;
        return query(args);
      },
      $executeRawUnsafe({ args, query }) {
        operations++;
        writes++;
        return query(args);
      },
      $queryRaw({ args, query }) {
        operations++;
        return query(args);
      },
      $queryRawUnsafe({ args, query }) {
        operations++;
        return query(args);
      },
    },
  });
  return { database: { ...database, prisma: counted as unknown as Db, sql }, writes: () => writes, operations: () => operations };
}

const WRITE_STATEMENT = /^\s*(INSERT|UPDATE|DELETE)\b/i;
