/**
 * Every word the bot says, Russian first and English second, in one catalogue. The ordering
 * flow keeps the old bot's Russian labels («Сделать Reels», «1 видео», «Подтвердить»), which
 * users and their screenshots know. Messages about jobs (started, finished, failed) come
 * from the outbox and live in src/jobs/texts.ts.
 */

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
  help: 'Команды: /new — новый заказ, /status — мои заказы, /balance — баланс, /buy — пополнить, /cancel — выйти из заказа, /language — English, /paysupport — помощь с оплатой.',
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
};

const en: typeof ru = {
  makeReels: 'Make a Reel',
  myOrders: 'My orders',
  balanceButton: 'Balance',
  topUp: 'Top up',
  otherLanguage: 'Русский',
  welcome: (credits: number) => `Hi! I make short product videos for Reels and TikTok.\nBalance: ${credits} credit(s). One video costs one credit.\nTap “Make a Reel” to start.`,
  help: 'Commands: /new — new order, /status — my orders, /balance — balance, /buy — top up, /cancel — leave the order, /language — Русский, /paysupport — payment help.',
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
