/**
 * The health gate after a restart: `/ready` on the API with retries (Kamal's 1 s poll). On
 * failure the deploy shows the failing checks and the unit's last journal lines, records
 * the failure, and switches `current` back to the previous release by itself.
 */
import { checkHealth, renderHealth, type HealthResult } from '../health/check.js';
import { makePlan, type Plan } from '../plan.js';
import { runCommand } from '../runner.js';
import { planSwitchCurrent } from '../release/layout.js';
import { type ReleaseRecord } from '../release/log.js';
import { schemaLevel } from '../release/select.js';
import type { DeployFacts, DeployInput } from './input.js';
import { API_UNIT, planRestart } from './plan-units.js';

/** How patient the gate is. */
export interface GateOptions {
  /** Attempts after the first while the API is unreachable or answers 5xx. */
  retries: number;
  intervalMs: number;
  timeoutMs: number;
}

/** Defaults: 30 tries a second apart, 5 s per request (Kamal's deploy_timeout is 30 s). */
export const GATE_DEFAULTS: GateOptions = { retries: 30, intervalMs: 1000, timeoutMs: 5000 };

/** The base URL the gate probes: the API's own address, not the public name. */
export function gateUrl(input: Pick<DeployInput, 'apiHost' | 'apiPort'>): string {
  const host = input.apiHost.includes(':') ? `[${input.apiHost}]` : input.apiHost;
  return `http://${host}:${input.apiPort}`;
}

/** Polls `/ready` until healthy or out of retries. */
export function runGate(input: Pick<DeployInput, 'apiHost' | 'apiPort'>, options: GateOptions): Promise<HealthResult> {
  return checkHealth({ url: gateUrl(input), retries: options.retries, intervalMs: options.intervalMs, timeoutMs: options.timeoutMs });
}

/** The last lines of a unit's journal, or why they could not be read. */
export async function unitJournal(unit = API_UNIT, lines = 30): Promise<string> {
  const argv = ['journalctl', '-u', unit, '-n', String(lines), '--no-pager'];
  try {
    const { stdout } = await runCommand({ argv, why: `show the last ${lines} lines of ${unit}` });
    return stdout.trim() || `(journalctl printed nothing for ${unit})`;
  } catch (error) {
    return `(could not read the journal: ${(error as Error).message.split('\n')[0]})`;
  }
}

/** The record of this deploy, given the gate's answer. */
export function deployRecord(input: DeployInput, facts: Pick<DeployFacts, 'current' | 'migrations'>, health: ReleaseRecord['health'], note?: string): ReleaseRecord {
  return {
    id: input.releaseId,
    version: input.version,
    time: input.time,
    event: 'deploy',
    migration: schemaLevel(facts.migrations),
    health,
    previous: facts.current ?? null,
    ...(note ? { note } : {}),
  };
}

/** What switching back after a failed gate does: point current at `previous`, restart API and workers. */
export function planSwitchBack(input: Pick<DeployInput, 'paths' | 'systemctl'>, previous: string): Plan {
  // The failed deploy has enabled or restarted the workers, so restarting the target reaches them.
  return makePlan(`switch back to release ${previous}`, {
    commands: [
      ...planSwitchCurrent(input.paths.appDir, previous, `return current to release ${previous}`),
      ...planRestart(input, { workersEnabled: true }, `run release ${previous} again`).commands,
    ],
  });
}

/** The failure report people read: failing checks, then the unit's journal. */
export function describeGateFailure(result: HealthResult, journal: string): string {
  return [renderHealth(result), `last lines of ${API_UNIT} (journalctl -u ${API_UNIT} -n 30 --no-pager):`, indent(journal)].join('\n');
}

function indent(text: string): string {
  return text.split('\n').map((line) => `  ${line}`).join('\n');
}
