/**
 * Composition root: configuration → database (migrated) → demo seed → local Telnyx (without an
 * account) → app → listen. `npm start` runs this.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
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

  const demoSeed = config.seedDemo ? await seedDemo(database.prisma) : null;
  // No Telnyx account: the local Telnyx runs here and the Telnyx settings point at it (docs/SIMULATOR.md).
  const simulator = config.telnyxSimulator.enabled
    ? await (await import('./demo/local-telnyx-host.js')).startSimulatorHost(config, logger)
    : null;
  if (simulator) await simulator.restore(database.prisma);
  const baseConfig = { ...config, jwtSecret: secrets.jwtSecret, adminApiKey: secrets.adminApiKey };
  let control: ((req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>) | null = null;
  const app = buildApp({
    config: simulator ? simulator.configure(baseConfig) : baseConfig,
    database,
    logger,
    routes: simulator
      ? [
          {
            name: 'local Telnyx control (demo only)',
            matches: (path) => path === '/simulator' || path.startsWith('/simulator/'),
            serve: (req, res, { path }) => (control ? control(req, res, path) : void res.writeHead(503).end()),
          },
        ]
      : [],
  });
  const url = await app.start();
  if (simulator) {
    await simulator.provisionMissing(app.services, database.prisma); // the seeded agents, through the service's provisioning
    control = simulator.control(app.services, database.prisma, () => url);
  }
  logger.info({ url, presenceTtlMs: config.presenceTtlMs, heartbeatIntervalMs: config.heartbeatIntervalMs }, 'listening');

  if (demoSeed) await printDemo(app, url, demoSeed.created, secrets.adminApiKey, secrets.file, simulator !== null);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await app.stop();
    await simulator?.close();
    await database.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

async function printDemo(
  app: ReturnType<typeof buildApp>,
  url: string,
  seeded: boolean,
  adminKey: string,
  secretsFile: string | null,
  simulated: boolean,
) {
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
    `Curbe Voice is running at ${url}  (demo company "${DEMO.companyId}" ${seeded ? 'created' : 'already present'})`,
    '',
    simulated
      ? '  Open in a browser (no Telnyx account needed: a local Telnyx runs in this process and the softphones register to it):'
      : '  Open in a browser (no Telnyx account needed: the demo company routes to unregistered softphones):',
    `${`    Supervisor board:`.padEnd(34)}${url}/#/board?token=${supervisor.token}`,
    ...softphones,
    '',
    `  GraphiQL:          ${url}/graphql`,
    `  Admin API key:     ${adminKey}${secretsFile ? `   (kept in ${secretsFile})` : ''}`,
    `  Supervisor token:  ${supervisor.token}`,
    `  Agent token (${DEMO.agents[0].displayName}): ${agent.token}`,
    '',
    ...(simulated
      ? [
          '  Place a simulated call: open a softphone above, then click "Simulate a call" on the board, or run',
          `    npm run simulate -- --to ${DEMO.number} --server ${url}`,
          '  The softphone rings: answer it, hang up, and watch the board and the call log follow. With nobody',
          '  online the call ends in voicemail (the last line printed is the call as JSON).',
        ]
      : [
          '  An inbound call as Telnyx would send it (nobody online yet → voicemail TeXML):',
          `    curl -s -X POST ${url}/telnyx/voice -d 'To=${encodeURIComponent(DEMO.number)}&From=%2B15551230000&CallSid=demo-call-1'`,
          '',
          `  Bring ${DEMO.agents[0].displayName} online with a heartbeat, then repeat the curl above (→ <Dial><Sip>):`,
          `    curl -s ${url}/graphql -H 'content-type: application/json' -H 'authorization: Bearer ${agent.token}' \\`,
          `      -d '{"query":"mutation { heartbeat(input: {sipRegistered: false}) { presence { online status } nextHeartbeatInMs } }"}'`,
        ]),
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
