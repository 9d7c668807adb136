/**
 * `npm run telnyx:doctor` (`node dist/telnyx/doctor-cli.js` from a build): checks the Telnyx account
 * against this service's settings and prints one line per check, with the fix for each failure.
 * Exit status: 0 nothing failed (warnings and hand checks allowed), 1 a check failed, 2 it could not run.
 *
 * It reads the same environment as the service (src/config.ts) and its database, read-only and
 * without migrating. The embedded database (no DATABASE_URL) admits one process at a time: run the
 * doctor while the service is stopped, or against Postgres.
 */
import { type Config, ConfigError, loadConfig } from '../config.js';
import { loadAccountData, runDoctor } from './doctor.js';
import { formatCheck, summary } from './doctor-checks.js';

async function main(): Promise<number> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
  if (!config.telnyxApiKey) {
    console.error('telnyx:doctor reads the Telnyx account through its API: set TELNYX_API_KEY (and the settings the service runs with).');
    return 2;
  }
  console.log(`Telnyx doctor: the account behind TELNYX_API_KEY at ${config.telnyxApiBaseUrl}`);
  const result = await runDoctor({
    api: { apiKey: config.telnyxApiKey, baseUrl: config.telnyxApiBaseUrl },
    settings: {
      publicUrl: config.publicUrl,
      texmlApplicationId: config.telnyxTexmlApplicationId,
      connectionId: config.telnyxConnectionId,
      publicKey: config.telnyxPublicKey,
      // As set: unset with no key is a failure to fix, not the demo's implicit `off`.
      webhookAuth: config.telnyxWebhookAuth,
      webhookToken: config.telnyxWebhookToken,
    },
    loadAccountData: () => loadAccountData(config),
    report: (check) => {
      for (const line of formatCheck(check)) console.log(line);
    },
  });
  console.log(summary(result.checks));
  return result.failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error('telnyx:doctor failed:', err);
    process.exit(2);
  },
);
