import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface Secrets {
  jwtSecret: string;
  adminApiKey: string;
  /** Where generated values were kept, or null when they came from the environment / memory. */
  file: string | null;
}

/**
 * JWT_SECRET and ADMIN_API_KEY when the environment does not set them (the embedded default): made
 * once and kept in the data folder, so tokens and the key survive restarts. Production sets both.
 */
export async function resolveSecrets(opts: {
  jwtSecret?: string | undefined;
  adminApiKey?: string | undefined;
  dataDir: string;
}): Promise<Secrets> {
  if (opts.jwtSecret && opts.adminApiKey) return { jwtSecret: opts.jwtSecret, adminApiKey: opts.adminApiKey, file: null };
  const generate = () => ({
    jwtSecret: randomBytes(32).toString('base64url'),
    adminApiKey: `admin_${randomBytes(18).toString('base64url')}`,
  });
  if (opts.dataDir === 'memory://') return { ...generate(), ...defined(opts), file: null };
  const file = path.resolve(opts.dataDir, 'secrets.json');
  let stored: { jwtSecret: string; adminApiKey: string };
  try {
    stored = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    stored = generate();
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  return { ...stored, ...defined(opts), file };
}

function defined(o: { jwtSecret?: string | undefined; adminApiKey?: string | undefined }) {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => v && k !== 'dataDir'));
}
