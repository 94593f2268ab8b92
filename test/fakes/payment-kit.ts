/**
 * What the three fake payment providers share: scripted failures (an HTTP status, a slow
 * answer, a hang), the pay page a browser (or headless Chromium) submits with a plain
 * form POST, and delivering a notification — any number of concurrent copies — to the
 * app's notify URL, recording how it answered.
 */
import type http from 'node:http';
import { request } from 'undici';

/** A scripted misbehaviour of the next API call(s). */
export type FakePaymentFailure =
  /** Answer this status (JSON `{type:'error', code, description}` unless `body`). */
  | { status: number; body?: string; retryAfter?: string; code?: string }
  /** Answer normally, but only after this delay. */
  | { delayMs: number }
  /** Read the request, never answer (until close). */
  | { hang: true };

/** A queue of failures with a count each, taken one call at a time. */
export class FailureQueue {
  private readonly queue: { failure: FakePaymentFailure; times: number }[] = [];
  readonly hanging = new Set<http.ServerResponse>();

  push(failure: FakePaymentFailure, times = 1): void {
    if (times <= 0) return;
    this.queue.push({ failure, times });
  }

  take(): FakePaymentFailure | undefined {
    const head = this.queue[0];
    if (!head) return undefined;
    if (--head.times <= 0) this.queue.shift();
    return head.failure;
  }

  /**
   * Applies the next failure (or the one given): true when it answered (status) or holds the request (hang);
   * false when the call should go on normally (none, or after a delay).
   */
  async apply(res: http.ServerResponse, failure: FakePaymentFailure | undefined = this.take()): Promise<boolean> {
    if (!failure) return false;
    if ('delayMs' in failure) {
      await new Promise((resolve) => setTimeout(resolve, failure.delayMs));
      return false;
    }
    if ('hang' in failure) {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return true;
    }
    const body = failure.body ?? JSON.stringify({ type: 'error', code: failure.code ?? (failure.status === 429 ? 'too_many_requests' : 'internal_server_error'), description: `scripted ${failure.status}` });
    res.writeHead(failure.status, { 'content-type': 'application/json', ...(failure.retryAfter ? { 'retry-after': failure.retryAfter } : {}) });
    res.end(body);
    return true;
  }
}

/** How the app answered one delivered notification (or the network error). */
export interface NoticeReply {
  status: number;
  body: string;
  error?: string;
}

/** One delivery the fake made. */
export interface NoticeDelivery extends NoticeReply {
  url: string;
  /** The provider's id of what was notified (InvId, payment id, transactionId). */
  ref: string;
}

/** Sends one notification and records the answer; never throws. */
export async function deliverNotice(log: NoticeDelivery[], ref: string, url: string, init: { method: 'POST' | 'GET'; body?: string; headers?: Record<string, string> }): Promise<NoticeReply> {
  const entry: NoticeDelivery = { url, ref, status: 0, body: '' };
  log.push(entry);
  try {
    const res = await request(url, { method: init.method, body: init.body, headers: init.headers });
    entry.status = res.statusCode;
    entry.body = await res.body.text();
  } catch (error) {
    entry.error = error instanceof Error ? error.message : String(error);
  }
  return { status: entry.status, body: entry.body, ...(entry.error ? { error: entry.error } : {}) };
}

/** `copies` concurrent deliveries of the same notification. */
export function deliverCopies(copies: number, send: () => Promise<NoticeReply>): Promise<NoticeReply[]> {
  return Promise.all(Array.from({ length: Math.max(1, copies) }, () => send()));
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The provider's payment page: amount, description, «Оплатить» and «Отказаться» (plain form POSTs, no script). */
export function renderPayPage(page: { provider: string; amountText: string; description: string; payAction: string; cancelAction: string; test?: boolean }): string {
  return `<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>${escapeHtml(page.provider)} — оплата</title></head>
<body>
<h1>${escapeHtml(page.provider)}${page.test ? ' (тест)' : ''}</h1>
<p id="amount">${escapeHtml(page.amountText)} ₽</p>
<p id="description">${escapeHtml(page.description)}</p>
<form method="post" action="${escapeHtml(page.payAction)}"><button type="submit" id="pay">Оплатить</button></form>
<form method="post" action="${escapeHtml(page.cancelAction)}"><button type="submit" id="cancel">Отказаться</button></form>
</body></html>`;
}

/** An HTML answer (pay pages, provider error pages). */
export function sendHtml(res: http.ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
  res.end(html);
}

/** A 303 to where the browser goes next (a plain page when the fake has nowhere to send it). */
export function redirectBrowser(res: http.ServerResponse, location: string | undefined, fallbackText: string): void {
  if (!location) return sendHtml(res, 200, `<!doctype html><p id="done">${escapeHtml(fallbackText)}</p>`);
  res.writeHead(303, { location, 'content-length': 0 });
  res.end();
}
