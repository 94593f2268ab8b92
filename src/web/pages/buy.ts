/**
 * `/buy`: the catalogue as radio buttons, the providers as radio buttons, a promo code field
 * and the hidden referral code. A plain form posting to `/buy`, so it works without
 * JavaScript; after a refusal it is rendered again with everything the buyer chose.
 */
import type { OrderProvider } from '../../store/order-types.js';
import type { ProductView } from '../../orders/types.js';
import { html, type Html } from '../html.js';
import type { Lang } from '../lang.js';
import { textsFor } from '../texts.js';

/** What the buyer chose or typed (kept across a refusal). */
export interface BuyForm {
  product_id: string;
  provider: string;
  promo_code: string;
  ref: string;
}

/** Everything the page shows. */
export interface BuyPage {
  lang: Lang;
  products: ProductView[];
  providers: OrderProvider[];
  form: BuyForm;
  /** The logged-in buyer's username, if any. */
  username: string | null;
  error?: string;
}

/** The product's line: title, what it is, price. */
function productLabel(lang: Lang, p: ProductView): Html {
  const t = textsFor(lang);
  const what = p.kind === 'license' ? t.kindLicense(p.ttl_days, p.plan) : t.kindCredits(p.credits);
  return html`<strong>${p.title}</strong> — ${what} — <span class="price">${p.price_rub} ${t.rub}</span>`;
}

/** The page body. */
export function renderBuy(page: BuyPage): Html {
  const t = textsFor(page.lang);
  const { form } = page;
  const selectedProduct = form.product_id || String(page.products[0]?.id ?? '');
  const selectedProvider = form.provider || page.providers[0] || '';
  return html`
<p>${t.buyIntro}</p>
${page.error ? html`<p class="error" role="alert">${page.error}</p>` : ''}
<p class="notice">${page.username ? t.buyingAs(page.username) : html`${t.anonymousBuyer} <a href="/account">${t.loginLink}</a>`}</p>
${form.ref ? html`<p>${t.invitedBy(form.ref)}</p>` : ''}
<form method="post" action="/buy">
<input type="hidden" name="lang" value="${page.lang}">
<input type="hidden" name="ref" value="${form.ref}">
<fieldset><legend>${t.chooseProduct}</legend>
${page.products.length === 0 ? html`<p>${t.nothingOnSale}</p>` : ''}
${page.products.map(
  (p) => html`<label class="choice"><input type="radio" name="product_id" value="${p.id}"${String(p.id) === selectedProduct ? html` checked` : ''} required> ${productLabel(page.lang, p)}</label>\n`,
)}
</fieldset>
<fieldset><legend>${t.chooseProvider}</legend>
${page.providers.length === 0 ? html`<p>${t.noProviders}</p>` : ''}
${page.providers.map(
  (p) => html`<label class="choice"><input type="radio" name="provider" value="${p}"${p === selectedProvider ? html` checked` : ''} required> ${t.providerNames[p] ?? p}</label>\n`,
)}
</fieldset>
<p><label>${t.promoLabel}<br><input type="text" name="promo_code" value="${form.promo_code}" maxlength="64" autocomplete="off"></label></p>
<p><button type="submit"${page.products.length === 0 || page.providers.length === 0 ? html` disabled` : ''}>${t.pay}</button></p>
</form>`;
}
