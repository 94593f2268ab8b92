/**
 * A small circuit breaker: after `threshold` failures in a row a dead service is left alone
 * for `cooldownMs`, then one trial call decides whether it is back. Saves every request
 * from first waiting out a budget on a service that is down.
 */

/** Tuning and a clock (tests move the clock instead of sleeping). */
export interface BreakerOptions {
  /** Consecutive failures that open the circuit (default 3). */
  threshold?: number;
  /** How long it stays open before one trial call (default 60 s). */
  cooldownMs?: number;
  now?: () => number;
}

/** `closed`: calls go through; `open`: calls are skipped; `half-open`: one trial call is out. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Counts consecutive failures of one dependency and says when to skip it. */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private trialOut = false;
  private readonly threshold: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;

  constructor(options: BreakerOptions = {}) {
    this.threshold = options.threshold ?? 3;
    this.cooldownMs = options.cooldownMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** The current state, for logs and metrics. */
  get state(): BreakerState {
    if (this.openedAt === undefined) return 'closed';
    if (this.trialOut) return 'half-open';
    return this.now() - this.openedAt < this.cooldownMs ? 'open' : 'half-open';
  }

  /** Whether to call the dependency now; in half-open only the first caller gets true. */
  tryAcquire(): boolean {
    if (this.openedAt === undefined) return true;
    if (this.trialOut || this.now() - this.openedAt < this.cooldownMs) return false;
    this.trialOut = true;
    return true;
  }

  /** Records a success: the circuit closes and the count restarts. */
  success(): void {
    this.failures = 0;
    this.openedAt = undefined;
    this.trialOut = false;
  }

  /** Records a failure: a failed trial re-opens for another cooldown; enough failures open it. */
  failure(): void {
    this.failures += 1;
    if (this.trialOut || this.failures >= this.threshold) this.openedAt = this.now();
    this.trialOut = false;
  }

  /** Forgets a call that ended without a verdict (cancelled by its caller). */
  release(): void {
    this.trialOut = false;
  }
}
