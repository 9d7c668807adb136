// `npm run db:migrate`: apply pending migrations to DATABASE_URL (or the embedded PGlite) and exit.
import { loadConfig } from '../config.js';
import { openDatabase } from './db.js';

const config = loadConfig();
const db = await openDatabase(config);
try {
  const result = await db.migrate((line) => console.log(line));
  console.log(`migrations: ${result.applied.length} applied, ${result.alreadyApplied} already applied (${db.kind}: ${db.location})`);
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
} finally {
  await db.close();
}
