/** The bot's keyboards, built from the text catalogue. */
import { InlineKeyboard, Keyboard } from 'grammy';
import { COUNTS, TEMPLATES, TEXTS, type Lang, type TemplateKey } from './texts.js';

/** The persistent main menu under the input field. */
export function mainMenu(lang: Lang): Keyboard {
  const t = TEXTS[lang];
  return new Keyboard().text(t.makeReels).row().text(t.myOrders).text(t.balanceButton).row().text(t.topUp).text(t.otherLanguage).resized().persistent();
}

/** «Пополнить баланс» under a message. */
export function topUpButton(lang: Lang): InlineKeyboard {
  return new InlineKeyboard().text(TEXTS[lang].topUp, 'topup');
}

/** One button per template. */
export function templateButtons(lang: Lang): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  for (const [key, names] of Object.entries(TEMPLATES) as [TemplateKey, (typeof TEMPLATES)[TemplateKey]][]) keyboard.text(names[lang], `tpl:${key}`);
  return keyboard;
}

/** «1 видео» / «3 видео» / «5 видео». */
export function countButtons(lang: Lang): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  for (const n of COUNTS) keyboard.text(TEXTS[lang].count(n), `cnt:${n}`);
  return keyboard;
}

/** «Подтвердить» / «Отмена». */
export function confirmButtons(lang: Lang): InlineKeyboard {
  return new InlineKeyboard().text(TEXTS[lang].confirm, 'order:ok').text(TEXTS[lang].cancel, 'order:no');
}
