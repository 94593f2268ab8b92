/**
 * A live session's stats, accumulated in memory from the engine's per-event `StatsDelta`
 * and written to `live_sessions` in batches (the recorder flushes them). Pure: delta in,
 * totals out.
 */
import type { LiveSessionTotals, TopGifter } from '../store/types.js';
import type { StatsDelta } from './engine.js';

/** How many gifters a session keeps. */
export const TOP_GIFTERS = 10;

/** Running totals of one session, with every gifter's diamonds (only the top ones are stored). */
export interface SessionStats extends Omit<LiveSessionTotals, 'topGifters'> {
  /** Gifter key (TikTok user id, else @handle) → their running total. */
  gifters: Map<string, TopGifter>;
}

/** Zero stats for a new session. */
export function newSessionStats(): SessionStats {
  return { peakViewers: 0, gifts: 0, diamonds: 0, likes: 0, follows: 0, shares: 0, joins: 0, gifters: new Map() };
}

/** Adds one event's delta to the running stats (in place). */
export function addStats(stats: SessionStats, delta: StatsDelta): void {
  stats.gifts += delta.gifts;
  stats.diamonds += delta.diamonds;
  stats.likes += delta.likes;
  stats.follows += delta.follows;
  stats.shares += delta.shares;
  stats.joins += delta.joins;
  if (delta.viewer_count !== undefined) stats.peakViewers = Math.max(stats.peakViewers, delta.viewer_count);
  const g = delta.gifter;
  if (g && g.diamonds > 0) {
    const key = g.user_id || g.unique_id || g.nickname;
    const known = stats.gifters.get(key);
    stats.gifters.set(key, { unique_id: g.unique_id || known?.unique_id || '', nickname: g.nickname || known?.nickname || '', diamonds: (known?.diamonds ?? 0) + g.diamonds });
  }
}

/** The best `n` gifters by diamonds; ties keep who gave first. */
export function topGifters(stats: SessionStats, n = TOP_GIFTERS): TopGifter[] {
  return [...stats.gifters.values()].sort((a, b) => b.diamonds - a.diamonds).slice(0, n);
}

/** The totals as the store writes them. */
export function toTotals(stats: SessionStats): LiveSessionTotals {
  const { peakViewers, gifts, diamonds, likes, follows, shares, joins } = stats;
  return { peakViewers, gifts, diamonds, likes, follows, shares, joins, topGifters: topGifters(stats) };
}
