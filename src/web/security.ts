/**
 * Headers every page carries. The CSP allows no script at all (the pages need none), only
 * our one stylesheet by hash, and forms posting back here; pages cannot be framed
 * (clickjacking on the pay button); no referrer leaves (the return page's URL carries the
 * link signature); nothing is cached (the return page may hold a license key).
 */
import type { FastifyReply } from 'fastify';
import { PAGE_CSS_HASH } from './layout.js';

/**
 * The Content-Security-Policy of the pages. `form-action` is left out where a form's answer
 * redirects to the payment provider: Chromium applies form-action to the redirect target
 * too, and provider origins are configuration, not something to list here.
 */
export function pageCsp(options: { formLeavesSite?: boolean } = {}): string {
  return [
    "default-src 'none'",
    `style-src ${PAGE_CSS_HASH}`,
    "img-src 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    ...(options.formLeavesSite ? [] : ["form-action 'self'"]),
  ].join('; ');
}

/** Sends a page with its status and the security headers. */
export function sendPage(reply: FastifyReply, status: number, body: string, options: { formLeavesSite?: boolean } = {}): FastifyReply {
  return reply
    .code(status)
    .header('content-security-policy', pageCsp(options))
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(body);
}
