/** Row → record mapping for `live_sessions`, shared by both adapters. */
import type { LiveSessionRecord, LiveSessionTotals, TopGifter } from './types.js';

type Row = Record<string, unknown>;

/** A `live_sessions` row as a LiveSessionRecord. */
export function toLiveSession(row: Row): LiveSessionRecord {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    uniqueId: String(row.unique_id),
    source: String(row.source),
    startedAt: String(row.started_at),
    endedAt: row.ended_at === null || row.ended_at === undefined ? null : String(row.ended_at),
    peakViewers: Number(row.peak_viewers),
    gifts: Number(row.gifts),
    diamonds: Number(row.diamonds),
    likes: Number(row.likes),
    follows: Number(row.follows),
    shares: Number(row.shares),
    joins: Number(row.joins),
    topGifters: JSON.parse(String(row.top_gifters)) as TopGifter[],
  };
}

/** The counter values in the order both adapters' UPDATE takes them. */
export function totalsValues(t: LiveSessionTotals): unknown[] {
  return [t.peakViewers, t.gifts, t.diamonds, t.likes, t.follows, t.shares, t.joins, JSON.stringify(t.topGifters)];
}
