/**
 * Prometheus metrics, one registry per app (tests build many apps in one process).
 * Later parts add their gauges (queue depth, live sessions, WS clients) to `registry`.
 */
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '../store/types.js';

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

/** Queue depth by status, read from the store at scrape time (workers may be other processes). */
export function addQueueGauge(metrics: Metrics, store: Store): void {
  new Gauge({
    name: 'ttops_jobs',
    help: 'jobs by status (succeeded/failed include history until pruned)',
    labelNames: ['status'],
    registers: [metrics.registry],
    async collect() {
      try {
        for (const [status, n] of Object.entries(await store.queueCounts())) this.set({ status }, n);
      } catch {
        // An unreachable store shows up in /ready; the scrape itself still answers.
      }
    },
  });
}
