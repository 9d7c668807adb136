/**
 * The production build as the Dockerfile makes it, without Docker: the build stage's sources copied
 * to an empty folder (minus .dockerignore) where `npm run db:generate` and `npm run build` run; then
 * the runtime stage's files (dist/, web/dist, the migrations, package.json and the lockfile) copied
 * to another, its `npm ci` (production dependencies only) run there, the migration release step
 * run, and `npm run start:prod`'s command started with node alone against a fresh Postgres.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMigrations } from '../../src/infra/migrator.js';
import { freshPostgres, postgresAvailable } from '../support/harness.js';

const run = promisify(execFile);
const ROOT = process.cwd();
const hasPostgres = await postgresAvailable();
const ADMIN_KEY = 'production-admin-key-0123456789';

interface Instruction {
  stage: string;
  keyword: string;
  args: string;
}

/** The Dockerfile as instructions, each tagged with its stage (`FROM … AS name`); continuations joined. */
function dockerfile(): Instruction[] {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const instructions: Instruction[] = [];
  let stage = '';
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (!line || line.startsWith('#')) continue;
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') stage = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? '';
    instructions.push({ stage, keyword: keyword.toUpperCase(), args });
  }
  return instructions;
}

/** `COPY a b dest` → { from, sources, dest } (JSON-array form not used in our Dockerfile). */
function copies(instructions: Instruction[], stage: string) {
  return instructions
    .filter((i) => i.stage === stage && i.keyword === 'COPY')
    .map((i) => {
      const words = i.args.split(/\s+/);
      const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length) ?? null;
      const paths = words.filter((w) => !w.startsWith('--'));
      return { from, sources: paths.slice(0, -1), dest: paths.at(-1)! };
    });
}

/** A copy of `source` that leaves out what .dockerignore keeps out of the build context. */
function copyContext(source: string, target: string) {
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const excluded = (path: string) => {
    const rel = relative(ROOT, path).split(sep).join('/');
    return ignored.some((p) => (p.startsWith('*') ? rel.endsWith(p.slice(1)) : rel === p || rel.startsWith(`${p}/`)));
  };
  cpSync(source, target, { recursive: true, filter: (path) => !excluded(path) });
}

/** `npm run <name>`'s command as program and arguments, when it is `node …` (production runs no npm). */
function nodeScript(name: string): string[] {
  const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
  const words = scripts[name]!.split(/\s+/);
  expect(words[0]).toBe('node');
  return words.slice(1);
}

describe.runIf(hasPostgres)('production build: node dist/main.js from production dependencies only', () => {
  const instructions = dockerfile();
  let work: string;
  let build: string;
  let app: string;
  let pgdb: Awaited<ReturnType<typeof freshPostgres>>;
  let server: ChildProcess | undefined;
  // The build and the install see no database (DATABASE_URL is the app's, below); no Prisma update check.
  const toolEnv: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: '1' };
  delete toolEnv.DATABASE_URL;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'curbe-production-'));
    build = join(work, 'build');
    app = join(work, 'app');
    // Build stage: the sources it copies, its generate and build steps; the dev dependencies are the
    // ones this checkout has (the stage's `npm ci`).
    mkdirSync(build);
    for (const copy of copies(instructions, 'build')) {
      for (const source of copy.sources) copyContext(join(ROOT, source), join(build, source));
    }
    expect(existsSync(join(build, 'src/generated'))).toBe(false);
    symlinkSync(join(ROOT, 'node_modules'), join(build, 'node_modules'), 'dir');
    await run('npm', ['run', 'db:generate'], { cwd: build, env: toolEnv, maxBuffer: 16 << 20 });
    await run('npm', ['run', 'build'], { cwd: build, env: toolEnv, maxBuffer: 16 << 20 });

    // Runtime stage: its files from the build stage and the context, then its own install.
    mkdirSync(app);
    for (const copy of copies(instructions, 'runtime')) {
      const base = copy.from === 'build' ? build : ROOT;
      for (const source of copy.sources) {
        const from = join(base, source.replace(/^\/app\//, ''));
        const to = copy.dest.endsWith('/') && copy.sources.length > 1 ? join(app, copy.dest, source) : join(app, copy.dest);
        cpSync(from, to, { recursive: true });
      }
    }
    const install = instructions.find((i) => i.stage === 'runtime' && i.keyword === 'RUN' && i.args.startsWith('npm ci'))!;
    const installArgs = install.args.split('&&')[0]!.trim().split(/\s+/).slice(1);
    await run('npm', [...installArgs, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, env: toolEnv, maxBuffer: 16 << 20 });
    pgdb = await freshPostgres();
  }, 600_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      server.kill('SIGKILL');
      await exited;
    }
    await pgdb?.drop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('copies sources that exist into the image, and runs what package.json names', () => {
    for (const copy of copies(instructions, 'build')) {
      for (const source of copy.sources) expect(existsSync(join(ROOT, source)), `COPY ${source}`).toBe(true);
    }
    const cmd = instructions.find((i) => i.stage === 'runtime' && i.keyword === 'CMD')!;
    expect(JSON.parse(cmd.args)).toEqual(['node', ...nodeScript('start:prod')]);
    expect(readFileSync(join(ROOT, 'compose.yaml'), 'utf8')).toContain(
      JSON.stringify(['node', ...nodeScript('db:migrate:prod')]).replace(/,/g, ', '),
    );
    expect(instructions.some((i) => i.stage === 'runtime' && i.keyword === 'USER' && i.args !== 'root')).toBe(true);
    expect(instructions.some((i) => i.stage === 'runtime' && i.keyword === 'HEALTHCHECK' && i.args.includes('/healthz'))).toBe(true);
  });

  it('leaves the TypeScript toolchain and the Prisma CLI out of the production install', () => {
    expect(existsSync(join(app, 'dist/main.js'))).toBe(true);
    expect(existsSync(join(app, 'dist/main.js.map'))).toBe(true);
    expect(existsSync(join(app, 'web/dist/index.html'))).toBe(true);
    const resolveFromApp = createRequire(join(app, 'package.json')).resolve;
    expect(resolveFromApp('@prisma/client/runtime/client')).toContain(join(app, 'node_modules'));
    for (const tool of ['tsx', 'typescript', 'esbuild', 'prisma', 'vite', 'vitest']) {
      expect(() => resolveFromApp(tool), tool).toThrow(/Cannot find module/);
    }
  });

  it('migrates as a release step, then serves /readyz, a webhook as TeXML and the web app', async () => {
    const env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      ADMIN_API_KEY: ADMIN_KEY,
      JWT_SECRET: 'production-jwt-secret-0123456789abcdef',
      DATABASE_URL: pgdb.url,
      DATA_DIR: join(app, '.data'),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      // The webhook below is posted unsigned; production refuses to start without choosing this.
      TELNYX_WEBHOOK_AUTH: 'off',
    };
    const migrations = await readMigrations();
    const release = await run(process.execPath, nodeScript('db:migrate:prod'), { cwd: app, env });
    expect(release.stdout).toContain(`migrations: ${migrations.length} applied, 0 already applied`);

    server = spawn(process.execPath, nodeScript('start:prod'), { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    server.stderr!.on('data', (chunk) => (stderr += chunk));
    const lines: { msg?: string; url?: string; applied?: number }[] = [];
    const url = await new Promise<string>((resolve, reject) => {
      server!.once('exit', (code) => reject(new Error(`node dist/main.js exited (${code}) before listening:\n${stderr}`)));
      createInterface({ input: server!.stdout! }).on('line', (line) => {
        try {
          const entry = JSON.parse(line);
          lines.push(entry);
          if (entry.msg === 'listening') resolve(entry.url);
        } catch {
          // not a log line
        }
      });
    });
    expect(lines.find((l) => l.msg === 'database ready')?.applied).toBe(0);

    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });

    const admin = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: any; errors?: unknown };
      expect(body.errors).toBeUndefined();
      return body.data;
    };
    const { createCompany } = await admin(`mutation { createCompany(input: { name: "Production Co" }) { id } }`);
    await admin(`mutation($c: ID!) { createPhoneNumber(input: { companyId: $c, e164: "+13055550177" }) { e164 } }`, {
      c: createCompany.id,
    });

    const webhook = await fetch(`${url}/telnyx/voice`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ From: '+15551230000', To: '+13055550177', CallSid: 'production-call-1' }),
    });
    expect(webhook.status).toBe(200);
    expect(webhook.headers.get('content-type')).toMatch(/^application\/xml/);
    const texml = await webhook.text();
    expect(texml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(XMLValidator.validate(texml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(texml);
    // Nobody online: the company's voicemail, recorded back to this instance.
    expect(doc.Response.Record.action).toBe(`${url}/telnyx/voicemail/${createCompany.id}`);

    // The local Telnyx never runs in production: no control route (a POST there is no route at all).
    const simulator = await fetch(`${url}/simulator/calls`, { method: 'POST', body: '{"to":"+13055550177"}' });
    expect(simulator.status).toBe(404);

    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module"');

    const exited = new Promise<number | null>((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 120_000);
});
