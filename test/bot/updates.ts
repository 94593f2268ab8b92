/** Telegram updates as a private chat sends them, for driving the bot in tests (update_id is added by the fake). */

const user = (chat: number, languageCode = 'ru') => ({ id: chat, is_bot: false, first_name: 'Test', language_code: languageCode });
const privateChat = (chat: number) => ({ id: chat, type: 'private', first_name: 'Test' });
let messageId = 1;
const now = () => Math.floor(Date.now() / 1000);

/** A text message; a leading /command gets its bot_command entity, as Telegram sends it. */
export function text(chat: number, body: string, languageCode?: string): Record<string, unknown> {
  const command = /^\/\w+/.exec(body);
  return {
    message: {
      message_id: messageId++,
      date: now(),
      chat: privateChat(chat),
      from: user(chat, languageCode),
      text: body,
      ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}),
    },
  };
}

/** A photo in three sizes, smallest first (as Telegram lists them); the largest's file_id is `<id>_big`. */
export function photo(chat: number, id = 'PHOTO'): Record<string, unknown> {
  const size = (suffix: string, side: number) => ({ file_id: `${id}_${suffix}`, file_unique_id: `u${id}_${suffix}`, width: side, height: side, file_size: side * 10 });
  return { message: { message_id: messageId++, date: now(), chat: privateChat(chat), from: user(chat), photo: [size('small', 90), size('mid', 320), size('big', 1280)] } };
}

/** A press on an inline button under a bot message. */
export function callback(chat: number, data: string): Record<string, unknown> {
  return {
    callback_query: {
      id: `cb${messageId++}`,
      from: user(chat),
      chat_instance: `ci${chat}`,
      data,
      message: { message_id: messageId++, date: now(), chat: privateChat(chat), from: { id: 1, is_bot: true, first_name: 'Bot' }, text: 'buttons' },
    },
  };
}

/** The updates of a whole order, from the menu button to «Подтвердить». */
export function orderUpdates(chat: number, o: { name: string; template?: string; wishes?: string; count: 1 | 3 | 5; photoId?: string }): Record<string, unknown>[] {
  return [text(chat, 'Сделать Reels'), photo(chat, o.photoId), text(chat, o.name), callback(chat, `tpl:${o.template ?? 'ugc'}`), text(chat, o.wishes ?? '-'), callback(chat, `cnt:${o.count}`), callback(chat, 'order:ok')];
}

/** Telegram's pre_checkout_query for an invoice (the amount and currency as the buyer is about to pay). */
export function preCheckout(chat: number, o: { payload: string; amount: number; currency?: string }): Record<string, unknown> {
  return { pre_checkout_query: { id: `pcq${messageId++}`, from: user(chat), currency: o.currency ?? 'XTR', total_amount: o.amount, invoice_payload: o.payload } };
}

/** The service message Telegram sends once a Stars payment went through. */
export function successfulPayment(chat: number, o: { payload: string; amount: number; chargeId: string; currency?: string }): Record<string, unknown> {
  return {
    message: {
      message_id: messageId++,
      date: now(),
      chat: privateChat(chat),
      from: user(chat),
      successful_payment: { currency: o.currency ?? 'XTR', total_amount: o.amount, invoice_payload: o.payload, telegram_payment_charge_id: o.chargeId, provider_payment_charge_id: `prov_${o.chargeId}` },
    },
  };
}
