/**
 * The questions `ttops init` asks on a terminal (@inquirer/prompts), only for what the
 * flags did not answer. Secrets are typed into masked prompts and never echoed back.
 */
import { promptTheme } from '../../color.js';
import { CHECKS } from '../render/validate.js';
import type { InitAnswers } from './plan.js';

/** Asks for every missing answer; flags given on the command line are kept as they are; `color` false asks in plain text. */
export async function askInit(given: Partial<InitAnswers>, color = true): Promise<InitAnswers> {
  const { input, password, select } = await import('@inquirer/prompts');
  const theme = promptTheme(color);
  const domain = (value: string) => (CHECKS.domain[0].test(value) && value.includes('.') ? true : 'a DNS name like api.example.com');
  const prod = given.prod ?? (await askProd(color));
  const apiDomain = given.apiDomain ?? (await input({ theme, message: 'API domain (clients and Telegram reach the API here):', validate: domain }));
  const mediaDomain =
    given.mediaDomain ??
    (await input({ theme, message: 'Media domain (sounds and TTS audio are served from here):', default: `media.${apiDomain.replace(/^api\./, '')}`, validate: domain }));
  let { databaseUrl, createLocalDb } = given;
  if (databaseUrl === undefined && createLocalDb === undefined) {
    const choice = await select({
      theme,
      message: 'Database:',
      choices: [
        { name: 'SQLite in the data directory (one machine, nothing to set up)', value: 'sqlite' },
        { name: 'Create a local PostgreSQL role and database now', value: 'local' },
        { name: 'Use an existing PostgreSQL URL', value: 'url' },
      ],
    });
    createLocalDb = choice === 'local';
    if (choice === 'url') databaseUrl = await password({ theme, message: 'DATABASE_URL (postgres://…):', mask: '*', validate: (v) => (/^postgres(ql)?:\/\//.test(v) ? true : 'starts with postgres://') });
  }
  const botToken = given.botToken ?? (emptyToUndefined(await password({ theme, message: 'Telegram bot token (Enter to skip, the bot stays off):', mask: '*' })));
  const kieKeys =
    given.kieKeys ?? splitKeys(await password({ theme, message: 'Video provider API keys, comma separated (Enter to skip):', mask: '*' }));
  return { prod, apiDomain, mediaDomain, databaseUrl, createLocalDb, botToken, kieKeys, port: given.port };
}

/** Asks whether this is the production box (decides where the env file goes). */
export async function askProd(color = true): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts');
  return confirm({ theme: promptTheme(color), message: 'Is this the production server (env file in /etc/ttops, data in /var/lib/ttops)?', default: false });
}

/** Asks whether to replace an existing env file (and its secrets). */
export async function confirmOverwrite(file: string, color = true): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts');
  return confirm({ theme: promptTheme(color), message: `${file} exists. Replace it? New secrets sign every user out.`, default: false });
}

/** `K1, K2,,K3` → ['K1', 'K2', 'K3']; empty → undefined. */
export function splitKeys(text: string | undefined): string[] | undefined {
  const keys = (text ?? '').split(',').map((k) => k.trim()).filter(Boolean);
  return keys.length ? keys : undefined;
}

function emptyToUndefined(text: string): string | undefined {
  return text.trim() ? text.trim() : undefined;
}
