/**
 * Streamer accounts: redeem a license key into an account (or onto an existing one),
 * log in, read and change settings. Passwords are hashed off the event loop; tokens
 * never outlive the license.
 */
import { hashPassword, needsRehash, verifyPassword } from '../auth/password.js';
import type { TokenClaims, TokenIssuer } from '../auth/jwt.js';
import { AuthError, ForbiddenError, InvalidInputError } from '../errors.js';
import { hashKey, normalizeKey } from '../licenses/key.js';
import { redeemRefusal } from '../store/license-errors.js';
import type { AccountStore, LicenseStore, UserRecord, UserSettingsPatch } from '../store/types.js';
import { KeyedLock } from '../keyed-lock.js';

/** The token response of redeem and login (field names are the client contract). */
export interface AuthResult {
  access_token: string;
  token_type: 'bearer';
  license_expires_at: string;
  plan: string | null;
}

/** `GET /v2/auth/me` (field names are the client contract). */
export interface MeView {
  id: number;
  username: string | null;
  voice_id: string;
  tts_enabled: boolean;
  gift_sounds_enabled: boolean;
  tts_volume: number;
  gifts_volume: number;
  tiktok_username: string | null;
  plan: string | null;
  license_expires_at: string | null;
  credits: number;
}

export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{3,32}$/;
const MIN_PASSWORD = 8;
const MAX_PASSWORD = 256;
// A real hash of a random password: unknown usernames cost the same time as wrong passwords.
const DUMMY_HASH = '$pbkdf2-sha256$600000$dW5rbm93bi11c2VyLXNhbHQ$Jk9wW0sTqYQ0q8q4oN7b0dC2d3hO3k3iH4bq1y9mCnA';

/** Account operations over the store and a token issuer. */
export class AccountService {
  private readonly redeemLock = new KeyedLock();

  constructor(
    private readonly store: AccountStore & Pick<LicenseStore, 'findLicenseByHash' | 'redeemLicense'>,
    private readonly tokens: TokenIssuer,
    private readonly passwordRounds: number,
  ) {}

  /** Redeems a key: creates the account, or extends the existing one whose password matches. */
  async redeem(input: { username: string; password: string; license_key: string }, actor: string): Promise<AuthResult> {
    const key = normalizeKey(input.license_key);
    if (!key) throw new InvalidInputError('license_key_malformed', 'a license key looks like TTB-XXXX-XXXX-XXXX — check it for typos');
    const username = validUsername(input.username);
    checkPasswordLength(input.password);
    const keyHash = hashKey(key);
    return this.redeemLock.run(keyHash, async () => {
      const now = new Date().toISOString();
      // Cheap refusal first: a spent key must not cost a password hash.
      const license = await this.store.findLicenseByHash(keyHash);
      if (!license || license.status !== 'active' || Date.parse(license.expiresAt) <= Date.parse(now)) throw redeemRefusal(license, now);
      const existing = await this.store.findUserByUsername(username);
      let account: { kind: 'new'; username: string; passwordHash: string } | { kind: 'existing'; userId: number };
      if (existing) {
        if (!existing.passwordHash || !(await verifyPassword(input.password, existing.passwordHash))) {
          throw new AuthError('invalid_credentials', 'that username exists and the password does not match — use its password to extend it, or pick another username');
        }
        account = { kind: 'existing', userId: existing.id };
      } else {
        if (input.password.length < MIN_PASSWORD) throw new InvalidInputError('password_too_short', `a new password needs at least ${MIN_PASSWORD} characters`);
        account = { kind: 'new', username, passwordHash: await hashPassword(input.password, this.passwordRounds) };
      }
      const { user } = await this.store.redeemLicense({ keyHash, now, actor, account });
      return this.tokenFor(user);
    });
  }

  /** Checks a username and password and returns a fresh token. */
  async login(input: { username: string; password: string }): Promise<AuthResult> {
    return this.tokenFor(await this.checkPassword(input));
  }

  /** Checks a username and password like `login`, licensed or not, and returns a web cabinet session token. */
  async cabinetLogin(input: { username: string; password: string }): Promise<string> {
    const user = await this.checkPassword(input);
    return (await this.tokens.issueCabinet(user.id, user.tokenVersion)).token;
  }

  /** The user behind a bearer token; throws AuthError/ForbiddenError with a stable code. */
  async authenticate(token: string): Promise<UserRecord> {
    const claims = await this.tokens.verify(token);
    if (claims.scope === 'cabinet') throw new AuthError('token_invalid', 'this is a web cabinet session, not an access token — log in through POST /v2/auth/login');
    const user = await this.current(claims);
    assertLicensed(user);
    return user;
  }

  /** The user behind a cabinet session (or an access token), licensed or not; revoked tokens are refused. */
  async cabinetUser(token: string): Promise<UserRecord> {
    return this.current(await this.tokens.verify(token));
  }

  private async current(claims: TokenClaims): Promise<UserRecord> {
    const user = await this.store.findUserById(claims.userId);
    if (!user || user.tokenVersion !== claims.version) throw new AuthError('token_revoked', 'this access token is no longer valid — log in again');
    return user;
  }

  private async checkPassword(input: { username: string; password: string }): Promise<UserRecord> {
    checkPasswordLength(input.password);
    const user = USERNAME_PATTERN.test(input.username) ? await this.store.findUserByUsername(input.username) : undefined;
    const ok = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !user.passwordHash || !ok) throw new AuthError('invalid_credentials', 'wrong username or password');
    if (needsRehash(user.passwordHash, this.passwordRounds)) {
      await this.store.updatePasswordHash(user.id, await hashPassword(input.password, this.passwordRounds));
    }
    return user;
  }

  /** Changes settings and returns the new view. */
  async updateSettings(user: UserRecord, patch: UserSettingsPatch): Promise<MeView> {
    return meView(await this.store.updateUserSettings(user.id, patch));
  }

  private async tokenFor(user: UserRecord): Promise<AuthResult> {
    const expiresAt = assertLicensed(user);
    const { token } = await this.tokens.issue(user.id, user.tokenVersion, expiresAt);
    return { access_token: token, token_type: 'bearer', license_expires_at: user.licenseExpiresAt!, plan: user.plan };
  }
}

/** The client-facing view of a user. */
export function meView(u: UserRecord): MeView {
  return {
    id: u.id,
    username: u.username,
    voice_id: u.voiceId,
    tts_enabled: u.ttsEnabled,
    gift_sounds_enabled: u.giftSoundsEnabled,
    tts_volume: u.ttsVolume,
    gifts_volume: u.giftsVolume,
    tiktok_username: u.tiktokUsername,
    plan: u.plan,
    license_expires_at: u.licenseExpiresAt,
    credits: u.credits,
  };
}

function assertLicensed(user: UserRecord): Date {
  const expiresAt = user.licenseExpiresAt ? new Date(user.licenseExpiresAt) : undefined;
  if (!expiresAt || expiresAt.getTime() <= Date.now()) throw new ForbiddenError('license_expired', 'your license has expired — redeem a new key to extend it');
  return expiresAt;
}

function validUsername(raw: string): string {
  const username = raw.trim();
  if (!USERNAME_PATTERN.test(username)) throw new InvalidInputError('invalid_username', 'username must be 3–32 letters, digits, `_`, `.` or `-`');
  return username;
}

function checkPasswordLength(password: string): void {
  if (password.length === 0 || password.length > MAX_PASSWORD) throw new InvalidInputError('invalid_password', `password must be 1–${MAX_PASSWORD} characters`);
}
