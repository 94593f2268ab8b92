/**
 * The store's live part: session stats, raw events and the upstream lease (see types.ts for the whole store).
 */
/** One of a streamer's best gifters in a live session. */
export interface TopGifter {
  unique_id: string;
  nickname: string;
  diamonds: number;
}

/** The counters of a live session, written whole by the one process recording it. */
export interface LiveSessionTotals {
  peakViewers: number;
  gifts: number;
  diamonds: number;
  likes: number;
  follows: number;
  shares: number;
  joins: number;
  /** The top 10 by diamonds, best first. */
  topGifters: TopGifter[];
}

/** A recorded live session (a stream followed by `serve`, or a `ttops live replay`). */
export interface LiveSessionRecord extends LiveSessionTotals {
  id: number;
  userId: number;
  /** The @handle followed. */
  uniqueId: string;
  source: string;
  startedAt: string;
  endedAt: string | null;
}

/** A raw live event kept for LIVE_EVENT_RETENTION_DAYS; `payload` is the normalised event as JSON. */
export interface LiveEventInput {
  msgId: string;
  eventType: string;
  at: string;
  payload: string;
}

/** The lease row of a streamer, read with the database's clock (hosts' clocks may disagree). */
export interface LiveLeaseView {
  /** The database's time now, epoch ms. */
  now: number;
  lease: { holder: string; until: number } | null;
}

/**
 * Live sessions: their stats and raw events, and the lease that lets exactly one `serve`
 * (of every process on the database) follow a streamer upstream.
 */
export interface LiveStore {
  /** Opens a session; any session of this user and source left open (its recorder died) is ended now. */
  startLiveSession(userId: number, uniqueId: string, source: string): Promise<LiveSessionRecord>;
  /** Writes a session's counters; `end` also stamps `ended_at` (once). */
  updateLiveSession(id: number, totals: LiveSessionTotals, end: boolean): Promise<void>;
  /** Stores raw events; one already stored for this session and msg_id is skipped. Returns how many were new. */
  addLiveEvents(sessionId: number, events: LiveEventInput[]): Promise<number>;
  /** A session's raw events, oldest first. */
  listLiveEvents(sessionId: number, limit: number): Promise<LiveEventInput[]>;
  /** A user's sessions, newest first. */
  listLiveSessions(userId: number, limit: number): Promise<LiveSessionRecord[]>;
  /** One of the user's sessions; undefined for another user's. */
  findLiveSession(userId: number, id: number): Promise<LiveSessionRecord | undefined>;
  /** Deletes raw events older than `before`; returns how many. */
  pruneLiveEvents(before: string): Promise<number>;
  findLiveLease(userId: number): Promise<LiveLeaseView>;
  /** Inserts the lease, renews it for its holder, or takes it over once expired; true when `holder` holds it now for `ttlMs`. */
  takeLiveLease(userId: number, holder: string, ttlMs: number): Promise<boolean>;
  /** Lets go of the lease if `holder` has it; true when it did. */
  releaseLiveLease(userId: number, holder: string): Promise<boolean>;
}
