/**
 * Following one source for one streamer: statuses go to every socket of the streamer (on
 * every process), events through the same pipeline as simulated ones, and the stream is
 * recorded as a live session. Used by the `serve` holding the streamer's lease and by
 * `ttops live replay`.
 */
import type { UserRecord } from '../store/types.js';
import type { LivePipeline } from './pipeline.js';
import type { StatusMessage } from './protocol.js';
import type { SessionRecorder } from './sessions-recorder.js';
import type { LiveSource, LiveStatus } from './source.js';

/** Statuses after which the stream is over (a reconnect's `connecting`/`error` is not). */
const ENDS_SESSION: ReadonlySet<LiveStatus> = new Set(['offline', 'user_not_found']);

/** How long a fetched user record is reused before settings (volumes, toggles) are read again. */
const USER_TTL_MS = 5000;

/** What following needs. */
export interface FollowOptions {
  userId: number;
  handle: string;
  source: LiveSource;
  pipeline: Pick<LivePipeline, 'process'>;
  recorder: SessionRecorder;
  /** Reads the user (settings may change during a stream); undefined when deleted. */
  findUser: (id: number) => Promise<UserRecord | undefined>;
  /** Sends a status to the streamer's sockets. */
  onStatus: (message: StatusMessage) => void;
  signal: AbortSignal;
  now?: () => number;
}

/** A source status as the socket message. */
export function statusMessage(status: LiveStatus, detail?: string): StatusMessage {
  return detail ? { type: 'status', status, detail } : { type: 'status', status };
}

/** Follows until the source ends or the signal aborts; the session (if one opened) is ended on the way out. */
export async function followSource(o: FollowOptions): Promise<void> {
  const now = o.now ?? Date.now;
  let user: UserRecord | undefined;
  let fetchedAt = 0;
  try {
    for await (const item of o.source.follow(o.handle, o.signal)) {
      if (item.kind === 'status') {
        o.onStatus(statusMessage(item.status, item.message));
        if (item.status === 'live') o.recorder.start();
        else if (ENDS_SESSION.has(item.status)) await o.recorder.end();
        continue;
      }
      if (!user || now() - fetchedAt > USER_TTL_MS) {
        user = (await o.findUser(o.userId)) ?? user;
        fetchedAt = now();
      }
      if (!user) return;
      o.recorder.expect(item.event.msg_id);
      try {
        await o.pipeline.process(user, item.event);
      } finally {
        o.recorder.expect(null);
      }
      if (item.event.event_type === 'stream_end') await o.recorder.end();
    }
  } finally {
    await o.recorder.end();
  }
}
