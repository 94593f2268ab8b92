/** A streamer account made over real HTTP against a running `serve` (for multi-process tests). */

/** JSON over fetch: status and parsed body. */
export async function call(base: string, method: string, path: string, options: { token?: string; headers?: Record<string, string>; json?: unknown; body?: Buffer } = {}): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, { method, headers, body: options.json !== undefined ? JSON.stringify(options.json) : options.body && new Uint8Array(options.body) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body };
}

/** Issues a key with the admin key and redeems it: the streamer's token and id. */
export async function makeHttpStreamer(base: string, adminKey: string, username: string): Promise<{ token: string; userId: number }> {
  const issued = await call(base, 'POST', '/v2/license/issue', { headers: { 'admin-api-key': adminKey }, json: { plan: 'pro', ttl_days: 30 } });
  if (issued.status !== 200) throw new Error(`issue failed: ${JSON.stringify(issued.body)}`);
  const redeemed = await call(base, 'POST', '/v2/auth/redeem-license', { json: { username, password: 'correct-horse-battery', license_key: issued.body.key } });
  if (redeemed.status !== 200) throw new Error(`redeem failed: ${JSON.stringify(redeemed.body)}`);
  const token = redeemed.body.access_token as string;
  const me = await call(base, 'GET', '/v2/auth/me', { token });
  return { token, userId: me.body.id as number };
}
