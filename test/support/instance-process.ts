/**
 * One app instance in its own process, for tests that must kill an instance outright (SIGKILL: no
 * hand-over, no socket close, nothing graceful). Configured by environment like the real server;
 * prints one JSON line `{"url": ...}` once it listens.
 */
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/infra/db.js';
import { createLogger } from '../../src/infra/logger.js';

const config = loadConfig();
const database = await openDatabase(config);
await database.migrate();
const app = buildApp({ config: { ...config, jwtSecret: config.jwtSecret! }, database, logger: createLogger(config.logLevel) });
const url = await app.start(0, '127.0.0.1');
process.stdout.write(`${JSON.stringify({ url })}\n`);
