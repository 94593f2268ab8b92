/**
 * Reading which `ttops-worker@N` instances systemd knows: candidates from `list-units`
 * (loaded, active or not), `list-unit-files` and the target's `.wants/` directory (enabled
 * instances that are not loaded), then `is-enabled` for each candidate.
 */
import { readdirSync } from 'node:fs';
import type { Config } from '../../config/load.js';
import { querySystemctl } from '../systemd-env.js';
import { workerUnit } from './plan.js';

/** One worker instance as systemd sees it. */
export interface WorkerUnit {
  instance: number;
  unit: string;
  enabled: boolean;
  active: boolean;
}

/** Where `systemctl enable` links instances wanted by ttops-workers.target. */
export const WORKERS_WANTS_DIR = '/etc/systemd/system/ttops-workers.target.wants';

const INSTANCE = /^ttops-worker@(\d+)\.service$/;

/** Instance numbers named in systemctl list output, with whether that line says `active`. */
export function parseWorkerListing(listing: string): Map<number, boolean> {
  const found = new Map<number, boolean>();
  for (const line of listing.split('\n')) {
    const columns = line.trim().replace(/^●\s*/, '').split(/\s+/);
    const match = INSTANCE.exec(columns[0] ?? '');
    if (match) found.set(Number(match[1]), columns[2] === 'active');
  }
  return found;
}

/** Instances linked in the workers target's `.wants/` directory (none when it is missing). */
export function wantedInstances(dir = WORKERS_WANTS_DIR): number[] {
  try {
    return readdirSync(dir)
      .map((name) => INSTANCE.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]));
  } catch {
    return [];
  }
}

/** The worker instances systemd knows, sorted by instance number. */
export async function readWorkerUnits(config: Pick<Config, 'systemctl'>, wantsDir = WORKERS_WANTS_DIR): Promise<WorkerUnit[]> {
  const [loaded, files] = await Promise.all([
    querySystemctl(config, 'list-units', '--all', '--plain', '--no-legend', '--no-pager', 'ttops-worker@*'),
    querySystemctl(config, 'list-unit-files', '--no-legend', '--no-pager', 'ttops-worker@*'),
  ]);
  const active = parseWorkerListing(loaded.stdout);
  const candidates = new Set([...active.keys(), ...parseWorkerListing(files.stdout).keys(), ...wantedInstances(wantsDir)]);
  const units = await Promise.all(
    [...candidates].map(async (instance): Promise<WorkerUnit> => {
      const unit = workerUnit(instance);
      const answer = await querySystemctl(config, 'is-enabled', unit);
      const state = answer.stdout.trim().split('\n')[0];
      return { instance, unit, enabled: state === 'enabled' || state === 'enabled-runtime', active: active.get(instance) ?? false };
    }),
  );
  return units.filter((u) => u.enabled || u.active).sort((a, b) => a.instance - b.instance);
}
