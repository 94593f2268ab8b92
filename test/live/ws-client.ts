/** A WebSocket test client (the `ws` package) that collects what the server sends. */
import WebSocket from 'ws';

/** An open socket and everything it received so far. */
export interface Client {
  ws: WebSocket;
  messages: Record<string, unknown>[];
  closed: Promise<number>;
  /** Closes the socket and resolves once the close handshake finished. */
  close(): Promise<void>;
}

/** Opens `/v2/ws?token=…` on `base` and resolves once open. */
export async function connectWs(base: string, token: string): Promise<Client> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/v2/ws?token=${token}`);
  const messages: Record<string, unknown>[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return {
    ws,
    messages,
    closed,
    async close() {
      ws.close();
      await closed;
    },
  };
}

/** Polls `check` until it returns a value (not undefined/false); a bounded wait, not a timing assertion. */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, limitMs = 30_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The first message matching `pred`, once it arrives. */
export function nextMessage(client: Client, pred: (m: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>> {
  return eventually(() => client.messages.find(pred), what);
}
