/** The operator's endpoints: liveness (/healthz), readiness (/readyz) and Prometheus metrics (/metrics). */
import type { ServerResponse } from 'node:http';
import type { Logger } from '../infra/logger.js';
import type { Metrics } from '../infra/metrics.js';
import type { Readiness } from '../infra/readiness.js';

export async function serveReadiness(readiness: Readiness, res: ServerResponse, logger: Logger) {
  const report = await readiness.report();
  if (!report.ready) logger.warn({ reason: report.reason, checks: report.checks }, 'not ready');
  const body = { status: report.ready ? 'ready' : 'not ready', reason: report.reason, checks: report.checks, details: report.details };
  res.writeHead(report.ready ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

export async function serveMetrics(metrics: Metrics, res: ServerResponse) {
  try {
    const text = await metrics.registry.metrics();
    res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
  } catch {
    sendText(res, 500, 'metrics unavailable\n');
  }
}

export function sendText(res: ServerResponse, status: number, text: string) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
}
