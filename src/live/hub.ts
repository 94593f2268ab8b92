/**
 * The WebSocket hub: a streamer's sockets on this process, grouped by user. Messages for a
 * user arrive from any process through the shared `live:out` event and go to every socket
 * of that user here. Each socket is pinged well inside nginx's 60 s idle limit, and a socket
 * that stops reading is closed rather than allowed to grow memory without bound.
 *
 * Pings go out in slices, one slice per tick, not to every socket at once: a ping is a write
 * each, and a thousand at once held the event loop for ~25 ms (measured in bench/ws.mjs),
 * which every live event in flight then waited out.
 */
import type { WebSocket } from 'ws';
import type { Events } from '../events.js';
import { WS_CLOSE, type ServerMessage } from './protocol.js';

/** Hub timings and limits. */
export interface HubOptions {
  /** Ping interval; a socket that has not answered the previous ping by then is dropped. */
  pingMs: number;
  /** Bytes queued for one socket before it counts as too slow. */
  maxBufferedBytes: number;
}

export const DEFAULT_HUB_OPTIONS: HubOptions = { pingMs: 25_000, maxBufferedBytes: 1024 * 1024 };

/** Ticks per ping interval: each socket belongs to one slice, pinged on that slice's tick. */
const PING_SLICES = 25;

interface Client {
  socket: WebSocket;
  alive: boolean;
  slice: Set<Client>;
}

/** Callbacks for the first socket of a user arriving and the last one leaving. */
export interface PresenceListener {
  joined(userId: number): void;
  left(userId: number): void;
}

/** The TCP socket under a ws socket (ws keeps it in `_socket`), when there is one. */
function rawSocket(socket: WebSocket): { cork(): void; uncork(): void } | undefined {
  const raw = (socket as unknown as { _socket?: { cork?: () => void; uncork?: () => void } })._socket;
  return typeof raw?.cork === 'function' && typeof raw.uncork === 'function' ? (raw as { cork(): void; uncork(): void }) : undefined;
}

/** Sockets by user, fed by the shared event map. */
export class Hub {
  private readonly clients = new Map<number, Set<Client>>();
  private readonly slices = Array.from({ length: PING_SLICES }, () => new Set<Client>());
  /** The slice the next socket joins, and the one the next tick pings: both go round. */
  private nextSlice = 0;
  private pingSlice = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly stopListening: () => void;
  private presence?: PresenceListener;

  constructor(
    private readonly events: Events,
    private readonly options: HubOptions = DEFAULT_HUB_OPTIONS,
  ) {
    this.stopListening = events.on('live:out', ({ userId, messages }) => this.deliver(userId, messages));
    this.timer = setInterval(() => this.pingSliceDue(), options.pingMs / PING_SLICES);
    this.timer.unref();
  }

  /** Who learns when a user's first socket arrives and the last one leaves (the live sessions). */
  onPresence(listener: PresenceListener): void {
    this.presence = listener;
  }

  /** Number of open sockets (metrics). */
  get size(): number {
    let n = 0;
    for (const set of this.clients.values()) n += set.size;
    return n;
  }

  /** Whether this process has sockets of `userId`. */
  has(userId: number): boolean {
    return (this.clients.get(userId)?.size ?? 0) > 0;
  }

  /** Adopts an authenticated socket of `userId`; it leaves the hub when it closes. */
  add(userId: number, socket: WebSocket, greeting: ServerMessage[] = []): void {
    const client: Client = { socket, alive: true, slice: this.slices[this.nextSlice] };
    this.nextSlice = (this.nextSlice + 1) % PING_SLICES;
    client.slice.add(client);
    let set = this.clients.get(userId);
    const first = !set || set.size === 0;
    if (!set) this.clients.set(userId, (set = new Set()));
    set.add(client);
    socket.on('pong', () => (client.alive = true));
    socket.on('close', () => this.remove(userId, client));
    socket.on('error', () => socket.terminate());
    // Clients only listen; anything they send is ignored rather than buffered.
    socket.on('message', () => {});
    for (const message of greeting) this.send(client, JSON.stringify(message));
    if (first) this.presence?.joined(userId);
  }

  /** Sends messages to every socket of `userId` on this process. */
  deliver(userId: number, messages: ServerMessage[]): void {
    const set = this.clients.get(userId);
    if (!set || set.size === 0) return;
    const texts = messages.map((m) => JSON.stringify(m));
    for (const client of set) {
      // One write per socket for all of this delivery's frames, not one per frame: ws writes
      // each frame on its own, and the syscalls were the largest cost of a live event.
      const raw = rawSocket(client.socket);
      raw?.cork();
      for (const text of texts) this.send(client, text);
      raw?.uncork();
    }
  }

  /** Closes every socket (shutdown) and stops the ping loop. */
  close(): void {
    clearInterval(this.timer);
    this.stopListening();
    for (const set of this.clients.values()) for (const client of set) client.socket.close(WS_CLOSE.goingAway, 'server shutting down');
    this.clients.clear();
    for (const slice of this.slices) slice.clear();
  }

  private send(client: Client, text: string): void {
    if (client.socket.readyState !== client.socket.OPEN) return;
    if (client.socket.bufferedAmount > this.options.maxBufferedBytes) {
      client.socket.close(WS_CLOSE.tooSlow, 'too slow: reconnect');
      client.socket.terminate();
      return;
    }
    client.socket.send(text);
  }

  private remove(userId: number, client: Client): void {
    const set = this.clients.get(userId);
    if (!set?.delete(client)) return;
    client.slice.delete(client);
    if (set.size === 0) {
      this.clients.delete(userId);
      this.presence?.left(userId);
    }
  }

  /** Pings one slice; a socket of it that has not answered its previous ping is dropped. */
  private pingSliceDue(): void {
    const slice = this.slices[this.pingSlice];
    this.pingSlice = (this.pingSlice + 1) % PING_SLICES;
    for (const client of slice) {
      if (!client.alive) {
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }
}
