// `npm run db:new-migration -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql with
// the SQL that takes the committed prisma/schema.prisma (git HEAD) to the one in the work tree.
// (`prisma migrate dev` does not run with the JS engine.) The migrations test proves the result
// matches the schema exactly.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const name = (process.argv[2] ?? '').replace(/[^a-z0-9_]/gi, '_').toLowerCase();
if (!name) {
  console.error('usage: npm run db:new-migration -- <name>');
  process.exit(2);
}
let previous: string;
try {
  previous = execFileSync('git', ['show', 'HEAD:prisma/schema.prisma'], { encoding: 'utf8' });
} catch {
  previous = '';
}
const scratch = mkdtempSync(path.join(tmpdir(), 'curbe-migration-'));
const from = previous ? ['--from-schema-datamodel', path.join(scratch, 'schema.prisma')] : ['--from-empty'];
if (previous) writeFileSync(path.join(scratch, 'schema.prisma'), previous);
const sql = execFileSync('npx', ['prisma', 'migrate', 'diff', ...from, '--to-schema-datamodel', 'prisma/schema.prisma', '--script'], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
});
if (/^-- This is an empty migration/.test(sql.trim())) {
  console.log('prisma/schema.prisma has no changes since HEAD: nothing to write.');
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const dir = path.join('prisma', 'migrations', `${stamp}_${name}`);
mkdirSync(dir, { recursive: true });
writeFileSync(path.join(dir, 'migration.sql'), sql);
console.log(`wrote ${dir}/migration.sql — review it, then commit it with the schema change.`);
