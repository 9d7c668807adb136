/**
 * Composition root: configuration → database (migrated) → app → listen. `npm start` runs this.
 */
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { DEMO, seedDemo } from './demo/seed.js';
import { openDatabase } from './infra/db.js';
import { createLogger } from './infra/logger.js';
import { resolveSecrets } from './infra/secrets.js';

async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const secrets = await resolveSecrets(config);
  const database = await openDatabase(config);
  const migration = await database.migrate((line) => logger.info(line));
  logger.info({ db: database.kind, location: database.location, applied: migration.applied.length }, 'database ready');

  const app = buildApp({ config: { ...config, jwtSecret: secrets.jwtSecret, adminApiKey: secrets.adminApiKey }, database, logger });
  const url = await app.start();
  logger.info({ url, presenceTtlMs: config.presenceTtlMs, heartbeatIntervalMs: config.heartbeatIntervalMs }, 'listening');

  if (config.seedDemo) {
    const { created } = await seedDemo(database.prisma);
    await printDemo(app, url, created, secrets.adminApiKey, secrets.file);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await app.stop();
    await database.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

async function printDemo(app: ReturnType<typeof buildApp>, url: string, created: boolean, adminKey: string, secretsFile: string | null) {
  const tokens = app.services.tokens;
  const day = 24 * 3600;
  const demoCompany = await app.services.directory.company(DEMO.companyId);
  const supervisor = await tokens.issue(
    { role: 'supervisor', companyId: DEMO.companyId, tokenVersion: demoCompany?.supervisorTokenVersion },
    day,
  );
  const agent = await tokens.issue({ role: 'agent', companyId: DEMO.companyId, agentId: DEMO.agents[0].id }, day);
  // One softphone link per demo agent (open each in its own tab), each with a fresh token.
  const softphones = await Promise.all(
    DEMO.agents.map(async (a) => {
      const found = await app.services.directory.agent(a.id);
      const issued = await tokens.issue(
        { role: 'agent', companyId: DEMO.companyId, agentId: a.id, tokenVersion: found?.agent.tokenVersion },
        day,
      );
      return `${`    Softphone, ${a.displayName}:`.padEnd(34)}${url}/#/agent?token=${issued.token}`;
    }),
  );
  const lines = [
    '',
    `Curbe Voice is running at ${url}  (demo company "${DEMO.companyId}" ${created ? 'created' : 'already present'})`,
    '',
    '  Open in a browser (no Telnyx account needed: the demo company routes to unregistered softphones):',
    `${`    Supervisor board:`.padEnd(34)}${url}/#/board?token=${supervisor.token}`,
    ...softphones,
    '',
    `  GraphiQL:          ${url}/graphql`,
    `  Admin API key:     ${adminKey}${secretsFile ? `   (kept in ${secretsFile})` : ''}`,
    `  Supervisor token:  ${supervisor.token}`,
    `  Agent token (${DEMO.agents[0].displayName}): ${agent.token}`,
    '',
    '  An inbound call as Telnyx would send it (nobody online yet → voicemail TeXML):',
    `    curl -s -X POST ${url}/telnyx/voice -d 'To=${encodeURIComponent(DEMO.number)}&From=%2B15551230000&CallSid=demo-call-1'`,
    '',
    `  Bring ${DEMO.agents[0].displayName} online with a heartbeat, then repeat the curl above (→ <Dial><Sip>):`,
    `    curl -s ${url}/graphql -H 'content-type: application/json' -H 'authorization: Bearer ${agent.token}' \\`,
    `      -d '{"query":"mutation { heartbeat(input: {sipRegistered: false}) { presence { online status } nextHeartbeatInMs } }"}'`,
    '',
    '  Who would ring now (supervisor token):',
    `    curl -s ${url}/graphql -H 'content-type: application/json' -H 'authorization: Bearer ${supervisor.token}' \\`,
    `      -d '{"query":"{ routePreview(companyId: \\"${DEMO.companyId}\\") { decision targets { displayName } skipped { agent { displayName } detail } } }"}'`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
