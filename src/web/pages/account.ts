/**
 * The buyer's cabinet: the login form, and once logged in the account's credits, license,
 * referral link, orders (each linking to its return page) and payments.
 */
import type { CabinetView, OrderView } from '../../orders/types.js';
import { html, safeHref, type Html } from '../html.js';
import type { Lang } from '../lang.js';
import { formatDate, textsFor } from '../texts.js';

/** The login form, with the username kept after a refusal (never the password). */
export function renderLogin(lang: Lang, username: string, error?: string): Html {
  const t = textsFor(lang);
  return html`
<p>${t.loginIntro}</p>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="/account/login">
<input type="hidden" name="lang" value="${lang}">
<p><label>${t.username}<br><input type="text" name="username" value="${username}" maxlength="64" autocomplete="username" required></label></p>
<p><label>${t.password}<br><input type="password" name="password" maxlength="256" autocomplete="current-password" required></label></p>
<p><button type="submit">${t.logIn}</button></p>
</form>`;
}

/** One order row; `link` is its signed status link. */
function orderRow(lang: Lang, order: OrderView, link: string): Html {
  const t = textsFor(lang);
  return html`<tr><td><a href="${safeHref(link)}">${order.order_id}</a></td><td>${order.product.title}</td><td>${order.amount} ${t.rub}</td><td class="status-${order.status}">${t.status[order.status]}</td><td>${formatDate(lang, order.created_at)}</td></tr>\n`;
}

/** The cabinet body; `links` maps order id → its status link, `referralUrl` is the `/buy?ref=` link. */
export function renderCabinet(lang: Lang, view: CabinetView, links: Map<number, string>, referralUrl: string): Html {
  const t = textsFor(lang);
  const license = !view.plan || !view.license_expires_at
    ? t.noLicense
    : view.license_active
      ? t.licenseActive(view.plan, formatDate(lang, view.license_expires_at))
      : t.licenseInactive(view.plan, formatDate(lang, view.license_expires_at));
  return html`
<dl>
<dt>${t.username}</dt><dd id="username">${view.username}</dd>
<dt>${t.credits}</dt><dd id="credits">${view.credits}</dd>
<dt>${t.license}</dt><dd id="license" data-active="${view.license_active ? 'yes' : 'no'}">${license}</dd>
</dl>
<h2>${t.referral}</h2>
<p><code class="key" id="referral-link">${referralUrl}</code></p>
<p>${t.referralHint}</p>
<h2>${t.orders}</h2>
${view.orders.length === 0 ? html`<p>${t.noOrders}</p>` : html`<table id="orders">
<thead><tr><th>${t.colNumber}</th><th>${t.product}</th><th>${t.amount}</th><th>${t.colStatus}</th><th>${t.colDate}</th></tr></thead>
<tbody>
${view.orders.map((o) => orderRow(lang, o, links.get(o.order_id) ?? '#'))}</tbody>
</table>`}
<h2>${t.receipts}</h2>
${view.receipts.length === 0 ? html`<p>${t.noReceipts}</p>` : html`<table id="receipts">
<thead><tr><th>${t.colNumber}</th><th>${t.colProvider}</th><th>${t.amount}</th><th>${t.colStatus}</th><th>${t.colDate}</th></tr></thead>
<tbody>
${view.receipts.map((r) => html`<tr><td>${r.payment_id}</td><td>${r.provider}</td><td>${r.amount} ${r.currency === 'RUB' ? t.rub : r.currency}</td><td>${r.status}</td><td>${formatDate(lang, r.paid_at)}</td></tr>\n`)}</tbody>
</table>`}
<form method="post" action="/account/logout"><button type="submit" class="link">${t.logOut}</button></form>`;
}
