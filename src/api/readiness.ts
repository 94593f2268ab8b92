/**
 * Readiness checks for `/ready` (and `ttops healthcheck`): each returns pass/fail with
 * detail. Later parts register more (worker heartbeat freshness) without touching routes.
 */
import type { ProductStore, QueueStore, StoreCore } from '../store/types.js';

/** The result of one check, in the health+json style. */
export interface CheckResult {
  status: 'pass' | 'warn' | 'fail';
  output?: string;
  observedValue?: unknown;
}

/** A named readiness check. */
export interface ReadyCheck {
  name: string;
  run(): Promise<CheckResult>;
}

/** The store answers a query. */
export function storeCheck(store: Pick<StoreCore, 'ping' | 'engine'>): ReadyCheck {
  return {
    name: 'store',
    async run() {
      const started = performance.now();
      try {
        await store.ping();
        return { status: 'pass', observedValue: { engine: store.engine, latency_ms: Math.round((performance.now() - started) * 10) / 10 } };
      } catch (error) {
        return { status: 'fail', output: (error as Error).message };
      }
    },
  };
}

/** Every shipped migration has run. */
export function migrationsCheck(store: Pick<StoreCore, 'migrationStatus'>): ReadyCheck {
  return {
    name: 'migrations',
    async run() {
      try {
        const pending = (await store.migrationStatus()).filter((m) => !m.applied).map((m) => m.name);
        return pending.length === 0 ? { status: 'pass' } : { status: 'fail', output: `pending migrations: ${pending.join(', ')} — run \`ttops migrate up\``, observedValue: pending };
      } catch (error) {
        return { status: 'fail', output: (error as Error).message };
      }
    },
  };
}

/**
 * Some worker heartbeat is fresh. Without one, queued jobs wait: that is a warning (the API
 * itself serves fine, and deploys start the API before the workers), not a failure.
 */
export function workersCheck(store: Pick<QueueStore, 'listWorkers'>, leaseMs: number): ReadyCheck {
  return {
    name: 'workers',
    async run() {
      try {
        const fresh = (await store.listWorkers()).filter((w) => Date.now() - Date.parse(w.heartbeatAt) < 3 * leaseMs && !w.stopping);
        return fresh.length ? { status: 'pass', observedValue: fresh.length } : { status: 'warn', output: 'no worker has a fresh heartbeat — jobs will wait (start `ttops worker` or `ttops scale workers N`)', observedValue: 0 };
      } catch (error) {
        return { status: 'fail', output: (error as Error).message };
      }
    },
  };
}

/**
 * Some product is enabled. With none, the bot and the shop have nothing to sell: a warning
 * (the service itself runs), never a silent empty catalogue.
 */
export function catalogueCheck(store: Pick<ProductStore, 'listProducts'>): ReadyCheck {
  return {
    name: 'catalogue',
    async run() {
      try {
        const enabled = (await store.listProducts({ enabledOnly: true })).length;
        return enabled ? { status: 'pass', observedValue: enabled } : { status: 'warn', output: 'no product is enabled — nothing can be bought (`ttops products list`, then `ttops products edit <code> --enable`)', observedValue: 0 };
      } catch (error) {
        return { status: 'fail', output: (error as Error).message };
      }
    },
  };
}

/** Runs all checks in parallel; overall status is the worst one. */
export async function runChecks(checks: ReadyCheck[]): Promise<{ status: 'pass' | 'warn' | 'fail'; checks: Record<string, CheckResult> }> {
  const results = await Promise.all(checks.map(async (c) => [c.name, await c.run()] as const));
  const statuses = results.map(([, r]) => r.status);
  const status = statuses.includes('fail') ? 'fail' : statuses.includes('warn') ? 'warn' : 'pass';
  return { status, checks: Object.fromEntries(results) };
}
