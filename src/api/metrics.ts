/**
 * Prometheus metrics, one registry per app (tests build many apps in one process).
 * Gauges that describe the box — queue, workers, last backup, certificate, disk — are read
 * at scrape time from the store and the file system (workers and backups are other
 * processes), so an alert sees the truth even when the API itself did nothing.
 * The shipped alert rules and dashboard (templates/monitoring/) use exactly these names.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { LIVE_EVENT_TYPES } from '../live/event.js';
import { certificateInfo, diskInfo, lastBackup } from '../ops/status/probes.js';
import type { ServerMessage } from '../live/protocol.js';
import type { Store } from '../store/types.js';
import type { TtsCacheEvent } from '../tts/cache.js';

/** The metrics an app exposes on `/metrics`. */
export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** Live events processed here, by `event_type` (rate() of it is events per second). */
  liveEvents: Counter<'event_type'>;
  /** Actions sent to sockets, by `type` (play_sound, tts). */
  liveActions: Counter<'type'>;
  /** TTS cache lookups by result (hit/miss/joined), and failed syntheses. */
  ttsRequests: Counter<'result'>;
  /** Seconds one synthesis took, by the engine that produced the audio. */
  ttsSynthesis: Histogram<'engine'>;
  /** Read at scrape time: open sockets, and live sessions this process runs (0 until a source is set). */
  live: LiveSources;
}

/** Counts read when Prometheus scrapes; whoever owns the number replaces the function. */
export interface LiveSources {
  wsClients: () => number;
  liveSessions: () => number;
}

/** Results `ttops_tts_requests_total` can carry; all start at 0 so rate() has a series from the first scrape. */
const TTS_RESULTS = ['hit', 'miss', 'joined', 'failed'] as const;
/** Engines a synthesis can be credited to. */
const TTS_ENGINES = ['edge', 'espeak'] as const;
/** What an action can do: play a stored sound, or speak. */
const ACTION_TYPES = ['play_sound', 'tts'] as const;

/** A fresh registry with process metrics and the HTTP latency histogram. */
export function makeMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ttops_' });
  // prom-client also sums these per-type gauges into gauges named `_total`, which Prometheus
  // reserves for counters (`promtool check metrics` flags them); the per-type ones stay.
  for (const name of ['handles', 'requests', 'resources']) registry.removeSingleMetric(`ttops_nodejs_active_${name}_total`);
  const httpDuration = new Histogram({
    name: 'ttops_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const live: LiveSources = { wsClients: () => 0, liveSessions: () => 0 };
  new Gauge({
    name: 'ttops_ws_clients',
    help: 'open live WebSockets on this process',
    registers: [registry],
    collect() {
      this.set(live.wsClients());
    },
  });
  new Gauge({
    name: 'ttops_live_sessions',
    help: 'live sessions (streamers whose TikTok LIVE this process listens to)',
    registers: [registry],
    collect() {
      this.set(live.liveSessions());
    },
  });
  const liveEvents = new Counter({ name: 'ttops_live_events_total', help: 'live events processed (real or simulated), by event_type', labelNames: ['event_type'], registers: [registry] });
  for (const event_type of LIVE_EVENT_TYPES) liveEvents.inc({ event_type }, 0);
  const liveActions = new Counter({ name: 'ttops_live_actions_total', help: 'actions sent to streamers\' sockets, by type (play_sound, tts)', labelNames: ['type'], registers: [registry] });
  for (const type of ACTION_TYPES) liveActions.inc({ type }, 0);
  const ttsRequests = new Counter({
    name: 'ttops_tts_requests_total',
    help: 'TTS cache lookups by result (hit, miss = one synthesis, joined = shared an in-flight synthesis); failed counts failed syntheses',
    labelNames: ['result'],
    registers: [registry],
  });
  for (const result of TTS_RESULTS) ttsRequests.inc({ result }, 0);
  const ttsSynthesis = new Histogram({
    name: 'ttops_tts_synthesis_seconds',
    help: 'time one TTS synthesis took (cache misses only), by the engine that produced the audio',
    labelNames: ['engine'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10],
    registers: [registry],
  });
  for (const engine of TTS_ENGINES) ttsSynthesis.zero({ engine });
  return { registry, httpDuration, liveEvents, liveActions, ttsRequests, ttsSynthesis, live };
}

/** What the TTS cache reports (src/tts/cache.ts `onEvent`), as metrics. */
export function recordTtsEvent(metrics: Metrics, event: TtsCacheEvent): void {
  if (event.kind === 'synthesized') metrics.ttsSynthesis.observe({ engine: event.engine }, event.ms / 1000);
  else metrics.ttsRequests.inc({ result: event.kind });
}

/** Counts the actions among the messages of one delivery (event and status messages are not actions). */
export function recordLiveMessages(metrics: Metrics, messages: readonly ServerMessage[]): void {
  for (const message of messages) {
    if (message.type === 'action') metrics.liveActions.inc({ type: message.action });
    else if (message.type === 'tts') metrics.liveActions.inc({ type: 'tts' });
  }
}

/** A worker counts as alive while its last heartbeat is within this many leases (as `ttops scale` and /ready). */
const ALIVE_LEASES = 3;

/**
 * Queue depth by status and worker liveness, read from the store at scrape time. `leaseMs`
 * defaults to the JOB_LEASE_SECONDS default; pass the configured one when known.
 */
export function addQueueGauge(metrics: Metrics, store: Store, leaseMs = 5000): void {
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
  const workers = () => store.listWorkers().catch(() => undefined);
  new Gauge({
    name: 'ttops_workers_alive',
    help: `worker processes whose heartbeat is younger than ${ALIVE_LEASES} job leases and that are not stopping`,
    registers: [metrics.registry],
    async collect() {
      const rows = await workers();
      if (!rows) return;
      const now = Date.now();
      this.set(rows.filter((w) => !w.stopping && now - Date.parse(w.heartbeatAt) < ALIVE_LEASES * leaseMs).length);
    },
  });
  new Gauge({
    name: 'ttops_worker_last_heartbeat_timestamp_seconds',
    help: 'Unix time of the newest worker heartbeat in the store; 0 when no worker has registered',
    registers: [metrics.registry],
    async collect() {
      const rows = await workers();
      if (!rows) return;
      const times = rows.map((w) => Date.parse(w.heartbeatAt)).filter((t) => !Number.isNaN(t));
      this.set(times.length ? Math.max(...times) / 1000 : 0);
    },
  });
}

/** Where the box-level gauges look. */
export interface HostPaths {
  /** BACKUP_DIR: the newest folder with a manifest is the last backup. */
  backupDir: string;
  /** Certificate files to read the expiry from; the first readable one counts. */
  certFiles: string[];
  /** Directories whose file system's free space is reported (TTOPS_HOME, BACKUP_DIR). */
  diskPaths: string[];
}

/** Last backup, certificate expiry and free disk, read from the file system at scrape time (a few stat/read calls). */
export function addHostGauges(metrics: Metrics, paths: HostPaths): void {
  new Gauge({
    name: 'ttops_backup_last_success_timestamp_seconds',
    help: 'created_at of the newest backup with a manifest, as Unix time; 0 when there is none',
    registers: [metrics.registry],
    collect() {
      try {
        const last = lastBackup(paths.backupDir, new Date());
        this.set(last ? Date.parse(last.created_at) / 1000 : 0);
      } catch {
        this.set(0); // an unreadable backup dir is as bad as no backup
      }
    },
  });
  new Gauge({
    name: 'ttops_tls_certificate_expiry_timestamp_seconds',
    help: 'notAfter of the TLS certificate as Unix time (absent when no certificate file is readable)',
    labelNames: ['file'],
    registers: [metrics.registry],
    collect() {
      this.reset();
      for (const file of paths.certFiles) {
        try {
          const info = certificateInfo(file, new Date());
          this.set({ file }, Date.parse(info.valid_to) / 1000);
          return;
        } catch {
          // Not there or not readable by this user; try the next one.
        }
      }
    },
  });
  const disk = (name: string, help: string, pick: (d: ReturnType<typeof diskInfo>) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['path'],
      registers: [metrics.registry],
      collect() {
        for (const path of new Set(paths.diskPaths)) {
          try {
            this.set({ path }, pick(diskInfo(path)));
          } catch {
            // A path on a vanished mount: leave it out of this scrape.
          }
        }
      },
    });
  disk('ttops_disk_free_bytes', 'bytes available to unprivileged users on the file system holding path', (d) => d.free_bytes);
  disk('ttops_disk_size_bytes', 'size of the file system holding path', (d) => d.total_bytes);
}
