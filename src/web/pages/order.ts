/**
 * The return page behind an order's signed link: the state in words, a meta refresh while
 * the payment is still open, and once paid what was delivered. The license key is shown
 * once, and only after the buyer presses «Показать ключ» (a POST to the same link): a link
 * preview or a mail scanner that fetches the page first must not spend it.
 */
import type { OrderView } from '../../orders/types.js';
import { html, type Html } from '../html.js';
import type { Lang } from '../lang.js';
import { formatDate, textsFor } from '../texts.js';

/** Seconds between reloads while the order waits for its payment. */
export const WAITING_REFRESH_SECONDS = 5;

/** Whether the order is still waiting for the provider's answer. */
export function isWaiting(order: OrderView): boolean {
  return order.status === 'created' || order.status === 'pending';
}

/** What the paid order delivered; `selfHref` is the page's own link, where «show the key» posts. */
function renderDelivered(lang: Lang, order: OrderView, selfHref: string): Html {
  const t = textsFor(lang);
  const d = order.delivered;
  if (!d) return html``;
  const parts: Html[] = [];
  if (d.license_delivery === 'shown_now' && d.license_key) {
    parts.push(html`<section class="delivered">
<h2>${t.keyTitle}</h2>
<p class="warning" role="alert">${t.keyWarning}</p>
<code class="key" id="license-key">${d.license_key}</code>
</section>`);
  } else if (d.license_delivery === 'ready') {
    parts.push(html`<form method="post" action="${selfHref}" class="delivered">
<p class="notice">${t.keyReady}</p>
<button type="submit" id="show-key">${t.showKey}</button>
</form>`);
  } else if (d.license_delivery === 'shown_before') {
    parts.push(html`<p class="notice">${t.keyShownBefore}</p>`);
  } else if (d.license_delivery === 'sent_to_telegram') {
    parts.push(html`<p class="notice">${t.keySentToTelegram}</p>`);
  }
  if (d.license_expires_at) parts.push(html`<p>${t.licenseUntil(formatDate(lang, d.license_expires_at))}</p>`);
  if (d.credits > 0) parts.push(html`<p class="notice">${t.creditsAdded(d.credits)}</p>`);
  return html`${parts}`;
}

/** The page body; `selfHref` is this page's own link (for "refresh now"). */
export function renderOrder(lang: Lang, order: OrderView, selfHref: string): Html {
  const t = textsFor(lang);
  const waiting = isWaiting(order);
  return html`
<p class="status status-${order.status}"><strong id="order-status" data-status="${order.status}">${t.status[order.status]}</strong></p>
${waiting ? html`<p>${t.waitingHint} <a href="${selfHref}">${t.refreshNow}</a></p>` : ''}
${order.test ? html`<p class="notice">${t.testMode}</p>` : ''}
${order.status === 'paid' ? renderDelivered(lang, order, selfHref) : ''}
${order.status === 'failed' || order.status === 'expired' ? html`<p><a href="/buy">${t.payAgain}</a></p>` : ''}
<dl>
<dt>${t.product}</dt><dd>${order.product.title}</dd>
<dt>${t.amount}</dt><dd>${order.amount} ${t.rub}</dd>
${order.list_price !== order.amount ? html`<dt>${t.listPrice}</dt><dd>${order.list_price} ${t.rub}</dd>` : ''}
${order.promo_code ? html`<dt>${t.promoUsed}</dt><dd>${order.promo_code}</dd>` : ''}
<dt>${t.colDate}</dt><dd>${formatDate(lang, order.created_at)}</dd>
</dl>`;
}
