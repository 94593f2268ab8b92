/** A refusal as a page: the sentence for its code, and a way back. */
import { html, type Html } from '../html.js';
import type { Lang } from '../lang.js';
import { errorText, textsFor } from '../texts.js';

/** The body of an error page. */
export function renderError(lang: Lang, code: string, message: string): Html {
  const t = textsFor(lang);
  return html`<p class="error" role="alert" data-code="${code}">${errorText(lang, code, message)}</p>
<p><a href="/buy">${t.backToBuy}</a> · <a href="/account">${t.navAccount}</a></p>`;
}
