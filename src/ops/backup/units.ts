/**
 * Stopping and starting the ttops units around a restore — only where they are installed and
 * systemd is usable. Which units, in which order, is a pure decision over `systemctl`'s
 * listings (unit-tested); the calls go through the runner.
 */
import { existsSync } from 'node:fs';
import type { Config } from '../../config/load.js';
import { cmd } from '../plan.js';
import { runCommand } from '../runner.js';

/** The units a restore stops (in this order) and starts again (in `start` order). */
export interface UnitCycle {
  /** Installed ttops unit files (empty: a dev machine, restore the data alone). */
  installed: string[];
  stop: string[];
  start: string[];
}

/** Whether systemctl can be driven here: TTOPS_SYSTEMCTL was set explicitly, or systemd runs. */
export function systemdUsable(config: Pick<Config, 'systemctl'>, runDir = '/run/systemd/system'): boolean {
  return config.systemctl.explicit || existsSync(runDir);
}

const ACTIVE = new Set(['active', 'activating', 'reloading']);

function rows(listing: string): string[][] {
  return listing
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .map((t) => (t[0] === '●' || t[0] === '*' ? t.slice(1) : t))
    .filter((t) => t[0] && t[0].startsWith('ttops-'));
}

function rank(unit: string): number {
  if (unit.endsWith('.timer')) return 0; // no backup may start mid-restore
  if (unit === 'ttops-api.service') return 1; // stop taking requests before the workers go
  return 2;
}

/**
 * From `systemctl list-unit-files --no-legend 'ttops-*'` and `systemctl list-units --all
 * --no-legend 'ttops-*'`: the running ttops timers and services whose unit file is installed
 * (worker instances through their template). Targets are left alone (stopping the instances
 * is exact), and so is ttops-backup.service (a one-shot that may be running this very restore's
 * sibling). Start order is the reverse of stop order.
 */
export function planUnitCycle(unitFiles: string, units: string): UnitCycle {
  const installed = rows(unitFiles).map((t) => t[0]);
  const known = new Set(installed);
  const stop = rows(units)
    .filter((t) => ACTIVE.has(t[2] ?? ''))
    .map((t) => t[0])
    .filter((u) => /\.(service|timer)$/.test(u) && u !== 'ttops-backup.service')
    .filter((u) => known.has(u) || known.has(u.replace(/@[^.]*\./, '@.')))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return { installed, stop: [...new Set(stop)], start: [...new Set(stop)].reverse() };
}

/** Reads the two listings and plans the cycle. */
export async function readUnitCycle(bin: string): Promise<UnitCycle> {
  const files = await runCommand(cmd('list the installed ttops units', bin, 'list-unit-files', '--no-legend', '--plain', 'ttops-*'));
  const units = await runCommand(cmd('see which ttops units run', bin, 'list-units', '--all', '--no-legend', '--plain', 'ttops-*'));
  return planUnitCycle(files.stdout, units.stdout);
}

/** Stops units one by one in order (so the recorded order is the real order). */
export async function stopUnits(bin: string, units: string[]): Promise<void> {
  for (const unit of units) await runCommand(cmd(`stop ${unit} for the restore`, bin, 'stop', unit));
}

/** Starts units one by one in order; returns the ones that failed to start (the restore itself succeeded). */
export async function startUnits(bin: string, units: string[]): Promise<{ unit: string; message: string }[]> {
  const failed: { unit: string; message: string }[] = [];
  for (const unit of units) {
    try {
      await runCommand(cmd(`start ${unit} after the restore`, bin, 'start', unit));
    } catch (error) {
      failed.push({ unit, message: (error as Error).message });
    }
  }
  return failed;
}
