/**
 * A local S3-compatible server for the S3 suites: s3rver (npm, a dev dependency) on a free port with
 * its data in a temporary folder, and one bucket. If it cannot start, the suite is skipped with a
 * warning, except in CI (`CI` set), where that is a failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

/** s3rver's fixed credentials (it checks signatures against them). */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  region: string;
  close(): Promise<void>;
}

export async function startLocalS3(bucket = 'curbe-recordings'): Promise<LocalS3 | null> {
  const dir = mkdtempSync(path.join(tmpdir(), 'curbe-s3-'));
  try {
    const { default: S3rver } = await import('s3rver');
    const server = new S3rver({ port: 0, address: '127.0.0.1', directory: dir, silent: true });
    const { port } = (await server.run()) as { port: number };
    const endpoint = `http://127.0.0.1:${port}`;
    const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    client.destroy();
    return {
      endpoint,
      bucket,
      region: 'us-east-1',
      async close() {
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    if (process.env.CI) throw new Error(`the local S3 server (s3rver) is required in CI: ${(err as Error).message}`);
    console.warn(`S3 suites skipped: the local S3 server (s3rver) did not start (${(err as Error).message}). In CI this fails.`);
    return null;
  }
}
