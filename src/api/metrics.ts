/**
 * Prometheus metrics, one registry per app (tests build many apps in one process).
 * Later parts add their gauges (queue depth, live sessions, WS clients) to `registry`.
 */
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The metrics an app exposes on `/metrics`. */
export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
}

/** A fresh registry with process metrics and the HTTP latency histogram. */
export function makeMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ttops_' });
  const httpDuration = new Histogram({
    name: 'ttops_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return { registry, httpDuration };
}
