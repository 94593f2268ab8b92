/**
 * What reminders say, Russian first and English second (the bot's two languages). A user's
 * language is the one they chose in the bot; without one, Russian.
 */

/** The reminder languages. */
export type ReminderLang = 'ru' | 'en';

/** The language to remind in: the bot's stored choice, else Russian. */
export function reminderLang(stored: string | null): ReminderLang {
  return stored === 'en' ? 'en' : 'ru';
}

/** `2025-01-31 18:00 UTC`: a moment everyone reads the same way. */
function when(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** Reminder texts by language. */
export const REMINDER_TEXTS: Record<ReminderLang, { license3d: (expiresAt: string) => string; license1d: (expiresAt: string) => string; lowBalance: (credits: number) => string }> = {
  ru: {
    license3d: (at) => `⏳ Лицензия ttops заканчивается меньше чем через 3 дня: ${when(at)}. Продлите её заранее, чтобы ничего не прервалось.`,
    license1d: (at) => `⏳ Лицензия ttops заканчивается меньше чем через сутки: ${when(at)}. Продлите её сейчас, чтобы ничего не прервалось.`,
    lowBalance: (credits) => `💳 На балансе осталось ${credits} кредит(ов). Пополнить баланс: /buy`,
  },
  en: {
    license3d: (at) => `⏳ Your ttops license ends in less than 3 days: ${when(at)}. Renew it in time so nothing stops.`,
    license1d: (at) => `⏳ Your ttops license ends in less than a day: ${when(at)}. Renew it now so nothing stops.`,
    lowBalance: (credits) => `💳 Your balance is down to ${credits} credit(s). Top up: /buy`,
  },
};
