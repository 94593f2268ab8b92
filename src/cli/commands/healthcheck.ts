/** `ttops healthcheck`: GET /ready for CI and people; exit 0 healthy, 1 unhealthy, 3 unreachable. */
import { checkHealth, healthExitCode, healthToJson, renderHealth } from '../../ops/health/check.js';
import { makePaint } from '../../color.js';
import { commandConfig } from '../context.js';
import { printResult, type GlobalOptions, type Io } from '../io.js';

/** Flags of `ttops healthcheck` (times in seconds). */
export interface HealthcheckOptions {
  url?: string;
  timeout: number;
  retries: number;
  interval: number;
}

/** Checks readiness, prints per-check lines (or JSON) and returns the exit code. */
export async function runHealthcheck(io: Io, globals: GlobalOptions, options: HealthcheckOptions): Promise<number> {
  // With --url nothing else is needed: CI runners have no env file.
  const url = options.url ?? commandConfig(io, globals).serverHost;
  const result = await checkHealth({ url, timeoutMs: options.timeout * 1000, retries: options.retries, intervalMs: options.interval * 1000 });
  printResult(io, globals, healthToJson(result), () => renderHealth(result, makePaint(globals.color)));
  return healthExitCode(result);
}
