/**
 * The SQLite adapter: the embedded default, one file in TTOPS_HOME. better-sqlite3 is
 * synchronous and fast; the Store interface is async so both adapters look the same.
 */
import { NotFoundError } from '../../errors.js';
import type { Actor, LicenseStatus, NewLicense, RedeemInput, Store, UserSettingsPatch } from '../types.js';
import * as sql from './accounts.js';
import { openSqlite, type SqliteDb } from './db.js';
import { sqliteMigrateDown, sqliteMigrateUp, sqliteMigrationStatus } from './migrate.js';

/** Store over one SQLite file. */
export class SqliteStore implements Store {
  readonly engine = 'sqlite' as const;
  readonly db: SqliteDb;

  constructor(readonly file: string) {
    this.db = openSqlite(file);
  }

  async ping() {
    this.db.prepare('SELECT 1').get();
  }

  async close() {
    if (this.db.open) this.db.close();
  }

  async migrationStatus() {
    return sqliteMigrationStatus(this.db);
  }

  async migrateUp() {
    return sqliteMigrateUp(this.db);
  }

  async migrateDown(count: number) {
    return sqliteMigrateDown(this.db, count);
  }

  async describeTables() {
    const tables = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
    const result: Record<string, string[]> = {};
    for (const { name } of tables) {
      result[name] = (this.db.prepare(`PRAGMA table_info("${name}")`).all() as { name: string }[]).map((c) => c.name).sort();
    }
    return result;
  }

  async issueLicenses(licenses: NewLicense[], by: Actor) {
    return sql.issueLicenses(this.db, licenses, by);
  }

  async findLicenseByHash(keyHash: string) {
    return sql.findLicenseByHash(this.db, keyHash);
  }

  async findLicenseById(id: number) {
    return sql.findLicenseById(this.db, id);
  }

  async listLicenses(filter: { status?: LicenseStatus; limit?: number }) {
    return sql.listLicenses(this.db, filter);
  }

  async revokeLicense(id: number, now: string, by: Actor) {
    return sql.revokeLicense(this.db, id, now, by);
  }

  async extendLicense(id: number, days: number, by: Actor) {
    return sql.extendLicense(this.db, id, days, by);
  }

  async redeemLicense(input: RedeemInput) {
    return sql.redeemLicense(this.db, input);
  }

  async findUserById(id: number) {
    return sql.findUserById(this.db, id);
  }

  async findUserByUsername(username: string) {
    return sql.findUserByUsername(this.db, username);
  }

  async updateUserSettings(id: number, patch: UserSettingsPatch) {
    const user = sql.updateUserSettings(this.db, id, patch);
    if (!user) throw new NotFoundError('user_not_found', `no user with id ${id}`);
    return user;
  }

  async updatePasswordHash(id: number, passwordHash: string) {
    sql.updatePasswordHash(this.db, id, passwordHash);
  }

  async listAudit(limit: number) {
    return sql.listAudit(this.db, limit);
  }
}
