/**
 * `ttops status` in one report: services, workers configured versus alive, the queue,
 * licenses, the last backup, certificate expiry and disk. Every part is gathered on its
 * own and degrades to `{ unknown: why }`, so one broken part never hides the others.
 */
import type { Config } from '../../config/load.js';
import { listLicenses } from '../../licenses/service.js';
import type { JobStatus, Store } from '../../store/types.js';
import { readWorkerUnits, type WorkerUnit } from '../scale/units.js';
import { planWorkerView, summarizeWorkers } from '../scale/view.js';
import { systemdUsable, unitActiveState } from '../systemd-env.js';
import { certificateInfo, defaultCertFile, diskInfo, lastBackup, type BackupInfo, type CertificateInfo, type DiskInfo } from './probes.js';

/** A part that could not be read, and why. */
export interface Unknown {
  unknown: string;
}

/** A part of the report, or why it is unknown. */
export type Part<T> = T | Unknown;

/** Everything `ttops status` shows (and prints with --json). */
export interface StatusReport {
  env: Config['env'];
  engine: Store['engine'];
  generated_at: string;
  /** Applied count and pending names; parts reading missing tables say why below. */
  migrations: Part<{ applied: number; pending: string[] }>;
  services: Part<Record<string, string>>;
  workers: { configured: Part<number[]>; alive: Part<number>; alive_outside_systemd: Part<number> };
  queue: Part<Record<JobStatus, number>>;
  licenses: Part<Record<'active' | 'redeemed' | 'revoked' | 'expired', number>>;
  /** Products on sale; `enabled: 0` is a warning (nothing can be bought). */
  catalogue: Part<{ enabled: number; total: number }>;
  /** null when there is no backup yet. */
  backup: Part<BackupInfo | null>;
  certificate: Part<CertificateInfo>;
  disk: Part<DiskInfo>[];
}

/** Options of gatherStatus. */
export interface StatusOptions {
  /** Certificate to check instead of certbot's file for SERVER_HOST. */
  certFile?: string;
  now?: Date;
  /** sd_booted marker, injectable for tests. */
  systemdMarker?: string;
}

/** Units whose state the screen shows. */
export const STATUS_UNITS = ['ttops-api.service', 'ttops-workers.target', 'ttops-backup.timer', 'nginx.service'] as const;

const NO_SYSTEMD = 'systemd not available';

/** Whether a part is unknown. */
export function isUnknown(part: unknown): part is Unknown {
  return typeof part === 'object' && part !== null && typeof (part as Unknown).unknown === 'string';
}

/** Gathers the report; the store must already answer (the caller pings it). */
export async function gatherStatus(config: Config, store: Store, options: StatusOptions = {}): Promise<StatusReport> {
  const now = options.now ?? new Date();
  const systemd = systemdUsable(config, options.systemdMarker);
  const [migrations, services, units, workers, queue, licenses, catalogue] = await Promise.all([
    settle(migrationState(store)),
    systemd ? settle(serviceStates(config)) : unknown(NO_SYSTEMD),
    systemd ? settle(readWorkerUnits(config)) : unknown(NO_SYSTEMD),
    settle(store.listWorkers()),
    settle(store.queueCounts()),
    settle(licenseCounts(store, now)),
    settle(catalogueCounts(store)),
  ]);
  const rows = isUnknown(workers) ? undefined : planWorkerView(isUnknown(units) ? [] : units, workers, config.jobs.leaseMs, now);
  const summary = rows ? summarizeWorkers(rows) : undefined;
  return {
    env: config.env,
    engine: store.engine,
    generated_at: now.toISOString(),
    migrations,
    services,
    workers: {
      configured: isUnknown(units) ? units : (units as WorkerUnit[]).filter((u) => u.enabled).map((u) => u.instance),
      alive: summary ? summary.alive : (workers as Unknown),
      alive_outside_systemd: summary ? summary.aliveOutsideSystemd : (workers as Unknown),
    },
    queue,
    licenses,
    catalogue,
    backup: attempt(() => lastBackup(config.backupDir, now)),
    certificate: certificate(config, options.certFile, now),
    disk: [...new Set([config.home, config.backupDir])].map((dir) => attempt(() => diskInfo(dir))),
  };
}

async function migrationState(store: Store): Promise<{ applied: number; pending: string[] }> {
  const all = await store.migrationStatus();
  return { applied: all.filter((m) => m.applied).length, pending: all.filter((m) => !m.applied).map((m) => m.name) };
}

async function serviceStates(config: Config): Promise<Record<string, string>> {
  const states = await Promise.all(STATUS_UNITS.map((unit) => unitActiveState(config, unit)));
  return Object.fromEntries(STATUS_UNITS.map((unit, i) => [unit, states[i]]));
}

async function licenseCounts(store: Store, now: Date): Promise<Record<'active' | 'redeemed' | 'revoked' | 'expired', number>> {
  const counts = { active: 0, redeemed: 0, revoked: 0, expired: 0 };
  for (const view of await listLicenses(store, undefined, now)) counts[view.status] += 1;
  return counts;
}

async function catalogueCounts(store: Store): Promise<{ enabled: number; total: number }> {
  const products = await store.listProducts();
  return { enabled: products.filter((p) => p.enabled).length, total: products.length };
}

function certificate(config: Config, certFile: string | undefined, now: Date): Part<CertificateInfo> {
  if (!certFile && new URL(config.serverHost).protocol !== 'https:') return { unknown: `SERVER_HOST ${config.serverHost} is not https, so there is no certificate to check (pass --cert FILE)` };
  return attempt(() => certificateInfo(certFile ?? defaultCertFile(config.serverHost), now));
}

async function settle<T>(promise: Promise<T>): Promise<Part<T>> {
  try {
    return await promise;
  } catch (error) {
    return { unknown: reason(error) };
  }
}

function attempt<T>(fn: () => T): Part<T> {
  try {
    return fn();
  } catch (error) {
    return { unknown: reason(error) };
  }
}

async function unknown(why: string): Promise<Unknown> {
  return { unknown: why };
}

function reason(error: unknown): string {
  return ((error as Error)?.message ?? String(error)).split('\n')[0];
}
