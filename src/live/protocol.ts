/**
 * The WebSocket protocol of `GET /v2/ws?token=JWT`: what the server sends and how it closes.
 * docs/websocket.md describes it for client authors; test/live/protocol.test.ts checks the
 * two agree.
 */
import type { LiveStatus } from './source.js';

/** Close codes: 4xxx are ours, one per reason a client can act on. */
export const WS_CLOSE = {
  /** The server is shutting down; reconnect in a moment. */
  goingAway: 1001,
  /** No `token` query parameter: log in and pass `?token=<access_token>`. */
  tokenMissing: 4001,
  /** The token is malformed, forged or revoked: log in again. */
  tokenInvalid: 4002,
  /** The token expired: log in again. */
  tokenExpired: 4003,
  /** The account's license expired: redeem a new key. */
  licenseExpired: 4010,
  /** The client read too slowly and fell too far behind; reconnect. */
  tooSlow: 4008,
} as const;

/** Connection state of the streamer's live source, as the client shows it (the sources' statuses, forwarded as is). */
export type { LiveStatus };

/** `status`: the live source's state changed (also sent once right after connecting). */
export interface StatusMessage {
  type: 'status';
  status: LiveStatus;
  /** For people: why, and what to do. */
  detail?: string;
}

/** `event`: a normalised live event (flat snake_case, as in replay files and simulate bodies). */
export interface EventMessage {
  type: 'event';
  event: Record<string, unknown>;
}

/** `action`: play a sound now. */
export interface ActionMessage {
  type: 'action';
  action: 'play_sound';
  trigger_id: number;
  /** Absolute URL of the sound. */
  url: string;
  /** 0–100: the trigger's volume scaled by the user's gifts volume. */
  volume: number;
}

/** `tts`: play this synthesised speech now. */
export interface TtsMessage {
  type: 'tts';
  trigger_id: number | null;
  /** Absolute URL of the audio. */
  url: string;
  text: string;
  voice: string;
  volume: number;
}

/** Everything the server sends. */
export type ServerMessage = StatusMessage | EventMessage | ActionMessage | TtsMessage;
