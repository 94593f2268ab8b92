/**
 * One path for every live event, real or simulated: the streamer's triggers decide
 * (pure engine, state kept per streamer in this process), sounds become absolute URLs,
 * speech is synthesised (cached), and the resulting messages go to every socket of the
 * streamer on every process (`live:out`).
 */
import type { Events } from '../events.js';
import type { AccountStore, TriggerStore, UserRecord } from '../store/types.js';
import type { Tts } from '../tts/make.js';
import { ENGINE_DEFAULTS, expireStreaks, handleEvent, newEngineState, nextStreakExpiry, type EngineState, type LiveAction, type PlaySoundAction, type StatsDelta } from './engine.js';
import type { LiveEvent } from './event.js';
import type { ServerMessage } from './protocol.js';
import { toEngineTrigger, type TriggerView } from './triggers.js';

/** What the pipeline needs from the rest of the process. */
export interface PipelineDeps {
  store: TriggerStore & Pick<AccountStore, 'findUserById'>;
  events: Events;
  /** The absolute URL of a user's stored sound. */
  soundUrl: (userId: number, filename: string) => string;
  /** Public base of `static/`, read at each use (`serve --port 0` learns it late). */
  mediaBaseUrl: () => string;
  tts: Tts | null;
  /** Counters for metrics and the session recorder. */
  onProcessed?: (userId: number, event: LiveEvent, stats: StatsDelta | null, actions: number) => void;
  /** Every batch of messages this process sends to a streamer's sockets (metrics count the actions). */
  onDelivered?: (userId: number, messages: ServerMessage[]) => void;
}

interface StreamerState {
  engine: EngineState;
  triggers?: TriggerView[];
  /** When this process last ran an event of the streamer (idle state is let go). */
  lastEventAt: number;
}

/** How often streaks whose end never came are closed. */
const EXPIRY_TICK_MS = 1000;
/** A streamer silent this long (and past every cooldown) is forgotten: dedupe ids would have aged out anyway. */
const IDLE_FORGET_MS = ENGINE_DEFAULTS.seenMs;

/** The event → messages path, one per process. */
export class LivePipeline {
  private readonly streamers = new Map<number, StreamerState>();
  private readonly timer: NodeJS.Timeout;
  private readonly stopListening: () => void;

  constructor(private readonly deps: PipelineDeps) {
    this.stopListening = deps.events.on('triggers:changed', ({ userId }) => {
      const state = this.streamers.get(userId);
      if (state) state.triggers = undefined;
    });
    this.timer = setInterval(() => void this.expire(), EXPIRY_TICK_MS);
    this.timer.unref();
  }

  /** Runs one event for `user` and delivers what it produced; returns the messages. */
  async process(user: UserRecord, event: LiveEvent): Promise<ServerMessage[]> {
    // Steady state (triggers loaded, no speech) runs without awaiting: no microtask hops per event.
    const known = this.streamers.get(user.id);
    const state = known?.triggers ? known : await this.stateOf(user.id);
    state.lastEventAt = Date.now();
    const result = handleEvent(state.engine, event, state.triggers!, state.lastEventAt);
    this.deps.onProcessed?.(user.id, event, result.stats, result.actions.length);
    if (result.duplicate) return [];
    const { actions } = result;
    const rendered = actions.every((a): a is PlaySoundAction => a.type === 'play_sound') ? this.renderSounds(user, actions) : await this.render(user, actions);
    const messages: ServerMessage[] = [{ type: 'event', event: event as unknown as Record<string, unknown> }, ...rendered];
    this.deliver(user.id, messages);
    return messages;
  }

  /** Forgets a streamer's state (their session ended here). */
  forget(userId: number): void {
    this.streamers.delete(userId);
  }

  /** Stops the streak timer and the trigger listener. */
  close(): void {
    clearInterval(this.timer);
    this.stopListening();
  }

  private async stateOf(userId: number): Promise<StreamerState> {
    let state = this.streamers.get(userId);
    if (!state) this.streamers.set(userId, (state = { engine: newEngineState(), lastEventAt: Date.now() }));
    state.triggers ??= (await this.deps.store.listTriggers(userId)).map(toEngineTrigger);
    return state;
  }

  /** Sends messages to the streamer's sockets on every process, telling `onDelivered` first. */
  private deliver(userId: number, messages: ServerMessage[]): void {
    this.deps.onDelivered?.(userId, messages);
    this.deps.events.broadcast('live:out', { userId, messages });
  }

  /** `render` for actions that are all sounds: nothing to wait for. */
  private renderSounds(user: UserRecord, actions: PlaySoundAction[]): ServerMessage[] {
    return user.giftSoundsEnabled ? actions.map((action) => this.soundMessage(user, action)) : [];
  }

  /** The `action` message of one sound: its absolute URL, the trigger's volume scaled by the user's. */
  private soundMessage(user: UserRecord, action: PlaySoundAction): ServerMessage {
    return { type: 'action', action: 'play_sound', trigger_id: Number(action.trigger_id), url: this.deps.soundUrl(user.id, action.sound), volume: scale(action.volume, user.giftsVolume) };
  }

  /** Turns engine actions into socket messages, honouring the user's toggles and volumes. */
  private async render(user: UserRecord, actions: LiveAction[]): Promise<ServerMessage[]> {
    const messages: ServerMessage[] = [];
    for (const action of actions) {
      if (action.type === 'play_sound') {
        if (user.giftSoundsEnabled) messages.push(this.soundMessage(user, action));
        continue;
      }
      if (!user.ttsEnabled || !this.deps.tts) continue;
      const clip = await this.deps.tts.speak(action.text, { voice: user.voiceId }).catch(() => null);
      if (!clip) continue;
      const url = `${this.deps.mediaBaseUrl().replace(/\/+$/, '')}${clip.url_path}`;
      messages.push({ type: 'tts', trigger_id: Number(action.trigger_id), url, text: clip.text, voice: clip.voice, volume: scale(action.volume, user.ttsVolume) });
    }
    return messages;
  }

  /** Closes streaks whose end frame never came, and plays what they earned. */
  private async expire(): Promise<void> {
    const now = Date.now();
    for (const [userId, state] of this.streamers) {
      if (isIdle(state, now)) {
        this.streamers.delete(userId);
        continue;
      }
      const due = nextStreakExpiry(state.engine);
      if (due === null || due > now || !state.triggers) continue;
      const actions = expireStreaks(state.engine, state.triggers, now);
      if (actions.length === 0) continue;
      const user = await this.deps.store.findUserById(userId).catch(() => undefined);
      if (!user) continue;
      const messages = await this.render(user, actions);
      if (messages.length) this.deliver(userId, messages);
    }
  }
}

/** Whether nothing of a streamer's state can matter any more: silent past the dedupe window and every cooldown, no open streak. */
function isIdle(state: StreamerState, now: number): boolean {
  const longestCooldownMs = Math.max(0, ...(state.triggers ?? []).map((t) => t.cooldown_seconds * 1000));
  return now - state.lastEventAt > Math.max(IDLE_FORGET_MS, longestCooldownMs) && nextStreakExpiry(state.engine) === null;
}

/** A 0–100 volume scaled by another 0–100 volume. */
function scale(volume: number, by: number): number {
  return Math.max(0, Math.min(100, Math.round((volume * by) / 100)));
}
