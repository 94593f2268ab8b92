"""The bench peer for bench/bot.mjs: an aiogram 3 webhook bot, the framework of the systems
ttops replaces, doing what ttops's bot does for `/start` and the balance (the /balance
command and the «Баланс» menu button): find or create the Telegram user in the same
PostgreSQL database (asyncpg), read the credits, answer with the same text and keyboard.

It talks to the same fake Bot API as ttops (TELEGRAM_API_ROOT, via
TelegramAPIServer.from_base) and checks the same X-Telegram-Bot-Api-Secret-Token header.
Updates are handled before the webhook answers (handle_in_background=False), as grammY's
webhookCallback does, so the HTTP answer times of both bots mean the same thing.

Needs aiogram 3 (pip install 'aiogram>=3,<4' asyncpg; it pulls aiohttp, pydantic 2 and
magic-filter from PyPI). Run:

    TELEGRAM_BOT_TOKEN=123:abc TELEGRAM_API_ROOT=http://127.0.0.1:PORT \\
    TELEGRAM_WEBHOOK_SECRET=… DATABASE_URL=postgres://postgres@127.0.0.1:5432/DB \\
      python3 bench/peers/aiogram_bot.py --port 8002
"""

import argparse
import os

import asyncpg
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import Command, CommandStart
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, Message, ReplyKeyboardMarkup
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

WEBHOOK_PATH = "/v2/telegram/webhook"
POOL_SIZE = 10  # ttops's pg pool

# ttops's Russian texts and keyboards (src/bot/texts.ts, src/bot/keyboards.ts).
WELCOME = (
    "Привет! Я делаю короткие видео о товарах для Reels и TikTok.\n"
    "На балансе: {credits} кредит(ов). Одно видео — один кредит.\n"
    "Нажмите «Сделать Reels», чтобы начать."
)
BALANCE = "На балансе: {credits} кредит(ов)."
MAIN_MENU = ReplyKeyboardMarkup(
    keyboard=[
        [KeyboardButton(text="Сделать Reels")],
        [KeyboardButton(text="Мои заказы"), KeyboardButton(text="Баланс")],
        [KeyboardButton(text="Пополнить баланс"), KeyboardButton(text="English")],
    ],
    resize_keyboard=True,
    is_persistent=True,
)
TOP_UP = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Пополнить баланс", callback_data="topup")]])

router = Router()


async def credits_of(pool: asyncpg.Pool, telegram_id: int) -> int:
    """ttops's ensureTelegramUser: create on first contact, then read."""
    async with pool.acquire() as conn:
        await conn.execute("INSERT INTO users (telegram_id) VALUES ($1) ON CONFLICT (telegram_id) DO NOTHING", telegram_id)
        return int(await conn.fetchval("SELECT credits FROM users WHERE telegram_id = $1", telegram_id))


@router.message(CommandStart())
async def start(message: Message, pool: asyncpg.Pool) -> None:
    credits = await credits_of(pool, message.from_user.id) if message.from_user else 0
    await message.answer(WELCOME.format(credits=credits), reply_markup=MAIN_MENU)


@router.message(Command("balance"))
@router.message(F.text.in_({"Баланс", "Balance"}))
async def balance(message: Message, pool: asyncpg.Pool) -> None:
    credits = await credits_of(pool, message.from_user.id) if message.from_user else 0
    await message.answer(BALANCE.format(credits=credits), reply_markup=TOP_UP)


def main() -> None:
    parser = argparse.ArgumentParser(description="aiogram 3 webhook peer for bench/bot.mjs")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8002)
    args = parser.parse_args()

    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_ROOT"].rstrip("/"), is_local=False))
    bot = Bot(os.environ["TELEGRAM_BOT_TOKEN"], session=session)
    dp = Dispatcher()
    dp.include_router(router)

    async def open_pool(app: web.Application) -> None:
        dp["pool"] = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=POOL_SIZE, max_size=POOL_SIZE)

    async def close_pool(app: web.Application) -> None:
        await dp["pool"].close()

    app = web.Application()
    app.on_startup.append(open_pool)
    app.on_cleanup.append(close_pool)
    SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token=os.environ["TELEGRAM_WEBHOOK_SECRET"], handle_in_background=False).register(app, path=WEBHOOK_PATH)
    setup_application(app, dp, bot=bot)
    web.run_app(app, host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
