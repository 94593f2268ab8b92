/**
 * Every word the bot says, Russian first and English second, in one catalogue. The ordering
 * flow keeps the old bot's Russian labels («Сделать Reels», «1 видео», «Подтвердить»), which
 * users and their screenshots know. Messages about jobs (started, finished, failed) come
 * from the outbox and live in src/jobs/texts.ts.
 */

import type { RefusalReason } from '../billing/stars.js';

/** What /stats shows (jobs already formatted as `status n, …`). */
export interface AdminStats {
  users: number;
  creditsToday: number;
  creditsTotal: number;
  paid: number;
  stars: number;
  rejected: number;
  refunded: number;
  jobs: string;
}

/** The languages the bot speaks. */
export type Lang = 'ru' | 'en';

/** The video templates the bot offers; the key is what the job stores and the prompt writer reads. */
export const TEMPLATES = {
  ugc: { ru: 'UGC Блогер', en: 'UGC blogger' },
  promo: { ru: 'Реклама', en: 'Advert' },
} as const;

/** A template key. */
export type TemplateKey = keyof typeof TEMPLATES;

/** How many videos one order may ask for, as buttons. */
export const COUNTS = [1, 3, 5] as const;

const statusRu = { queued: 'в очереди', running: 'в работе', waiting_provider: 'генерируется', succeeded: 'готово ✅', failed: 'не удалось ❌' } as const;
const statusEn = { queued: 'queued', running: 'running', waiting_provider: 'generating', succeeded: 'done ✅', failed: 'failed ❌' } as const;

const ru = {
  makeReels: 'Сделать Reels',
  myOrders: 'Мои заказы',
  balanceButton: 'Баланс',
  topUp: 'Пополнить баланс',
  otherLanguage: 'English',
  welcome: (credits: number) => `Привет! Я делаю короткие видео о товарах для Reels и TikTok.\nНа балансе: ${credits} кредит(ов). Одно видео — один кредит.\nНажмите «Сделать Reels», чтобы начать.`,
  help: 'Команды: /new — новый заказ, /status — мои заказы, /balance — баланс, /buy — пополнить, /cancel — выйти из заказа, /language — English, /paysupport — помощь с оплатой, /terms — условия.',
  balance: (credits: number) => `На балансе: ${credits} кредит(ов).`,
  askPhoto: 'Пришлите фото товара.\n(/cancel — отменить заказ)',
  needPhoto: 'Нужна фотография товара — пришлите её как фото, не файлом.',
  photoFailed: 'Не удалось получить фото. Пришлите его ещё раз.',
  askName: 'Как называется товар?',
  needText: 'Напишите ответ текстом.',
  askTemplate: 'Выберите шаблон видео:',
  useButtons: 'Выберите вариант кнопкой под сообщением.',
  askWishes: 'Пожелания к видео? Напишите «-», если их нет.',
  askCount: 'Сколько видео сделать?',
  count: (n: number) => `${n} видео`,
  summary: (o: { name: string; template: string; wishes?: string; count: number; cost: number }) =>
    `Проверьте заказ:\nТовар: ${o.name}\nШаблон: ${o.template}\nПожелания: ${o.wishes ?? '—'}\nКоличество: ${o.count} видео\nСтоимость: ${o.cost} кредит(ов)`,
  confirm: 'Подтвердить',
  cancel: 'Отмена',
  cancelled: 'Заказ отменён.',
  nothingToCancel: 'Нечего отменять.',
  accepted: (count: number, credits: number) => `Заказ принят: ${count} видео. Остаток: ${credits} кредит(ов). Пришлём каждое видео сюда.`,
  insufficient: (needed: number, credits: number) => `Недостаточно кредитов: нужно ${needed}, на балансе ${credits}.`,
  topUpSoon: 'Пополнение через бота скоро появится. Пока напишите в поддержку: /paysupport',
  paySupport: 'Вопросы об оплате и возвратах: напишите администратору бота, указав номер заказа.',
  noOrders: 'Заказов пока нет. Нажмите «Сделать Reels».',
  orders: 'Ваши последние видео:',
  job: (id: number, status: keyof typeof statusRu) => `#${id} — ${statusRu[status]}`,
  resendButton: (id: number) => `Прислать #${id} ещё раз`,
  videoReady: (url: string) => `✅ Видео готово:\n${url}`,
  jobNotFound: 'Такого готового видео нет.',
  languageSet: 'Язык: русский.',
  error: 'Что-то пошло не так. Попробуйте ещё раз чуть позже.',
  shop: 'Выберите, что купить. Оплата — Telegram Stars ⭐, сразу в боте.',
  product: (title: string, stars: number) => `${title} — ${stars} ⭐`,
  shopEmpty: 'Сейчас нечего купить. Загляните позже или напишите /paysupport.',
  productGone: 'Этого больше нет в продаже. Откройте /buy ещё раз.',
  shopWithCards: 'Выберите, что купить: за Telegram Stars ⭐ прямо в боте или картой 💳.',
  cardProduct: (title: string, rubles: string) => `💳 ${title} — ${rubles} ₽`,
  cardChoose: 'Через какой сервис оплатить картой?',
  cardPay: (amount: string) => `Заказ на ${amount} ₽ создан. Нажмите «Оплатить» — кредиты или ключ придут сюда, в бот, сразу после оплаты.`,
  cardPayButton: 'Оплатить',
  cardFailed: 'Не получилось создать оплату картой. Попробуйте чуть позже или оплатите Stars.',
  refusal: {
    invalid_payload: 'Этот счёт недействителен. Откройте /buy ещё раз.',
    product_not_found: 'Этого больше нет в продаже. Откройте /buy ещё раз.',
    product_disabled: 'Сейчас это не продаётся.',
    price_changed: 'Цена изменилась. Откройте /buy ещё раз, чтобы получить новый счёт.',
    wrong_currency: 'Этот счёт недействителен. Откройте /buy ещё раз.',
    amount_mismatch: 'Этот счёт недействителен. Откройте /buy ещё раз.',
    wrong_buyer: 'Этот счёт выставлен другому человеку. Откройте /buy сами.',
  } as Record<RefusalReason, string>,
  checkoutUnavailable: 'Не удалось проверить счёт. Попробуйте через минуту.',
  creditsAdded: (credits: number, balance: number) => `✅ Оплата получена: +${credits} кредит(ов). На балансе: ${balance}.`,
  licenseKey: (key: string, redeemBy: string) =>
    `✅ Оплата получена. Ваш лицензионный ключ:\n\n${key}\n\nВведите его в приложении для стримеров (вход по ключу: имя пользователя, пароль и ключ; для разработчиков — POST /v2/auth/redeem-license). Активируйте до ${redeemBy.slice(0, 10)}.\nКлюч показывается один раз — сохраните это сообщение.`,
  admin: {
    stats: (s: AdminStats) =>
      `📊 Статистика (сегодня — с 00:00 UTC)\nПользователей: ${s.users}\nПродано кредитов: сегодня ${s.creditsToday}, всего ${s.creditsTotal}\nПлатежи сегодня: оплачено ${s.paid} (${s.stars} ⭐), задержано ${s.rejected}, возвраты ${s.refunded}\nЗадачи: ${s.jobs}`,
    grantUsage: 'Формат: /grant <tg_id | имя пользователя> <кредиты> [причина]',
    badAmount: (max: number) => `Количество кредитов — целое число от 1 до ${max}; /grant только добавляет кредиты.`,
    granted: (who: string, amount: number, balance: number) => `Начислено ${amount} кредит(ов): ${who}. Баланс: ${balance}.`,
    refundUsage: 'Формат: /refund <telegram_payment_charge_id>',
    refunded: (r: { paymentId: number; debited: number; balance: number | null; revokedLicenseId?: number }) =>
      `Возврат выполнен: платёж #${r.paymentId}, списано ${r.debited} кредит(ов)${r.balance === null ? '' : `, баланс ${r.balance}`}${r.revokedLicenseId ? `, лицензия #${r.revokedLicenseId} отозвана` : ''}.`,
    refundedBefore: (paymentId: number) => `Платёж #${paymentId} уже был возвращён — ничего не сделано.`,
    failed: (message: string) => `Не выполнено: ${message}`,
  },
  paymentHeld: 'Оплата получена, но не совпала со счётом, поэтому ничего не начислено. Поддержка проверит платёж и вернёт звёзды, если нужно. Вопросы: /paysupport',
  terms:
    'Условия.\n1. Кредиты тратятся на видео: одно видео — один кредит (если не указано иное). Видео, которое не удалось сделать по нашей вине, возвращает кредит автоматически.\n2. Лицензионный ключ даёт доступ к приложению для стримеров на указанный срок с момента активации.\n3. Оплата — в Telegram Stars. Возврат неизрасходованной покупки — по запросу через /paysupport; возвращённые кредиты списываются с баланса, лицензия отзывается.\n4. Нельзя загружать чужие фото без права на них и запрещённый контент: такие заказы отклоняются.',
};

const en: typeof ru = {
  makeReels: 'Make a Reel',
  myOrders: 'My orders',
  balanceButton: 'Balance',
  topUp: 'Top up',
  otherLanguage: 'Русский',
  welcome: (credits: number) => `Hi! I make short product videos for Reels and TikTok.\nBalance: ${credits} credit(s). One video costs one credit.\nTap “Make a Reel” to start.`,
  help: 'Commands: /new — new order, /status — my orders, /balance — balance, /buy — top up, /cancel — leave the order, /language — Русский, /paysupport — payment help, /terms — terms.',
  balance: (credits: number) => `Balance: ${credits} credit(s).`,
  askPhoto: 'Send a photo of the product.\n(/cancel to stop)',
  needPhoto: 'I need a photo of the product — send it as a photo, not as a file.',
  photoFailed: 'I could not get that photo. Please send it again.',
  askName: 'What is the product called?',
  needText: 'Please answer with text.',
  askTemplate: 'Choose a video template:',
  useButtons: 'Choose with the buttons under the message.',
  askWishes: 'Any wishes for the video? Send “-” for none.',
  askCount: 'How many videos?',
  count: (n: number) => `${n} video${n === 1 ? '' : 's'}`,
  summary: (o) => `Check your order:\nProduct: ${o.name}\nTemplate: ${o.template}\nWishes: ${o.wishes ?? '—'}\nCount: ${o.count} video(s)\nCost: ${o.cost} credit(s)`,
  confirm: 'Confirm',
  cancel: 'Cancel',
  cancelled: 'Order cancelled.',
  nothingToCancel: 'Nothing to cancel.',
  accepted: (count: number, credits: number) => `Order accepted: ${count} video(s). Balance left: ${credits} credit(s). Each video arrives here.`,
  insufficient: (needed: number, credits: number) => `Not enough credits: this needs ${needed}, the balance is ${credits}.`,
  topUpSoon: 'Topping up in the bot is coming soon. Meanwhile contact support: /paysupport',
  paySupport: 'Questions about payments and refunds: write to the bot’s admin with your order number.',
  noOrders: 'No orders yet. Tap “Make a Reel”.',
  orders: 'Your latest videos:',
  job: (id: number, status: keyof typeof statusEn) => `#${id} — ${statusEn[status]}`,
  resendButton: (id: number) => `Send #${id} again`,
  videoReady: (url: string) => `✅ Your video is ready:\n${url}`,
  jobNotFound: 'There is no such finished video.',
  languageSet: 'Language: English.',
  error: 'Something went wrong. Please try again a little later.',
  shop: 'Choose what to buy. You pay with Telegram Stars ⭐, right here.',
  product: (title: string, stars: number) => `${title} — ${stars} ⭐`,
  shopEmpty: 'There is nothing on sale right now. Look again later or write /paysupport.',
  productGone: 'This is no longer on sale. Open /buy again.',
  shopWithCards: 'Choose what to buy: with Telegram Stars ⭐ right here, or by card 💳.',
  cardProduct: (title: string, rubles: string) => `💳 ${title} — ${rubles} ₽`,
  cardChoose: 'Which service should take the card payment?',
  cardPay: (amount: string) => `Your order for ${amount} ₽ is ready. Tap “Pay” — the credits or the key come here, to the bot, right after payment.`,
  cardPayButton: 'Pay',
  cardFailed: 'The card payment could not be set up. Try again a little later, or pay with Stars.',
  refusal: {
    invalid_payload: 'This invoice is not valid. Open /buy again.',
    product_not_found: 'This is no longer on sale. Open /buy again.',
    product_disabled: 'This is not on sale right now.',
    price_changed: 'The price has changed. Open /buy again for a new invoice.',
    wrong_currency: 'This invoice is not valid. Open /buy again.',
    amount_mismatch: 'This invoice is not valid. Open /buy again.',
    wrong_buyer: 'This invoice was made for someone else. Open /buy yourself.',
  },
  checkoutUnavailable: 'The invoice could not be checked. Please try again in a minute.',
  creditsAdded: (credits: number, balance: number) => `✅ Payment received: +${credits} credit(s). Balance: ${balance}.`,
  licenseKey: (key: string, redeemBy: string) =>
    `✅ Payment received. Your license key:\n\n${key}\n\nEnter it in the streamer app (sign in with a key: username, password and the key; for developers: POST /v2/auth/redeem-license). Redeem it by ${redeemBy.slice(0, 10)}.\nThe key is shown only once — keep this message.`,
  admin: {
    stats: (s: AdminStats) =>
      `📊 Stats (today is since 00:00 UTC)\nUsers: ${s.users}\nCredits sold: today ${s.creditsToday}, total ${s.creditsTotal}\nPayments today: paid ${s.paid} (${s.stars} ⭐), held ${s.rejected}, refunds ${s.refunded}\nJobs: ${s.jobs}`,
    grantUsage: 'Usage: /grant <tg_id | username> <credits> [reason]',
    badAmount: (max: number) => `Credits are a whole number from 1 to ${max}; /grant only adds credits.`,
    granted: (who: string, amount: number, balance: number) => `Granted ${amount} credit(s) to ${who}. Balance: ${balance}.`,
    refundUsage: 'Usage: /refund <telegram_payment_charge_id>',
    refunded: (r: { paymentId: number; debited: number; balance: number | null; revokedLicenseId?: number }) =>
      `Refunded payment #${r.paymentId}: ${r.debited} credit(s) taken back${r.balance === null ? '' : `, balance ${r.balance}`}${r.revokedLicenseId ? `, license #${r.revokedLicenseId} revoked` : ''}.`,
    refundedBefore: (paymentId: number) => `Payment #${paymentId} was refunded before — nothing done.`,
    failed: (message: string) => `Not done: ${message}`,
  },
  paymentHeld: 'Your payment arrived but did not match the invoice, so nothing was added. Support will check it and return the Stars if needed. Questions: /paysupport',
  terms:
    'Terms.\n1. Credits pay for videos: one video is one credit unless stated otherwise. A video we fail to make returns its credit automatically.\n2. A license key gives access to the streamer app for the stated period from redemption.\n3. Payment is in Telegram Stars. An unused purchase is refunded on request through /paysupport; refunded credits are taken off the balance and a license is revoked.\n4. Do not upload photos you have no right to, or forbidden content: such orders are refused.',
};

/** The catalogue by language. */
export const TEXTS: Record<Lang, typeof ru> = { ru, en };

/** The language for a Telegram `language_code`: Russian for Russian speakers and when unknown, English otherwise. */
export function langFor(languageCode: string | undefined): Lang {
  if (!languageCode) return 'ru';
  return /^(ru|uk|be|kk)\b/i.test(languageCode) ? 'ru' : 'en';
}

/** A label in either language, for handlers that match a pressed reply-keyboard button. */
export function labels(key: 'makeReels' | 'myOrders' | 'balanceButton' | 'topUp' | 'otherLanguage'): string[] {
  return [ru[key], en[key]];
}
