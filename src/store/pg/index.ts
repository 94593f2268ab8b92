/**
 * The PostgreSQL adapter: production, and the way several hosts share one database.
 * Only this folder imports `pg`.
 */
import type pg from 'pg';
import { NotFoundError } from '../../errors.js';
import type { Actor, LicenseStatus, NewLicense, RedeemInput, Store, UserSettingsPatch } from '../types.js';
import * as sql from './accounts.js';
import { makePool, rethrow } from './db.js';
import { pgMigrate, pgMigrationStatus } from './migrate.js';

/** Store over a PostgreSQL pool. */
export class PgStore implements Store {
  readonly engine = 'postgres' as const;
  readonly pool: pg.Pool;

  constructor(readonly databaseUrl: string, poolSize = 10) {
    this.pool = makePool(databaseUrl, poolSize);
  }

  async ping() {
    try {
      await this.pool.query('SELECT 1');
    } catch (error) {
      rethrow(error);
    }
  }

  async close() {
    await this.pool.end();
  }

  async migrationStatus() {
    return pgMigrationStatus(this.pool);
  }

  async migrateUp() {
    return pgMigrate(this.pool, 'up');
  }

  async migrateDown(count: number) {
    return pgMigrate(this.pool, 'down', count);
  }

  async describeTables() {
    const { rows } = await this.pool.query(
      `SELECT table_name, column_name FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name <> 'pgmigrations' ORDER BY table_name, column_name`,
    );
    const result: Record<string, string[]> = {};
    for (const r of rows) (result[r.table_name] ??= []).push(r.column_name);
    return result;
  }

  async issueLicenses(licenses: NewLicense[], by: Actor) {
    return sql.issueLicenses(this.pool, licenses, by);
  }

  async findLicenseByHash(keyHash: string) {
    return sql.findLicenseByHash(this.pool, keyHash);
  }

  async findLicenseById(id: number) {
    return sql.findLicenseById(this.pool, id);
  }

  async listLicenses(filter: { status?: LicenseStatus; limit?: number }) {
    return sql.listLicenses(this.pool, filter);
  }

  async revokeLicense(id: number, now: string, by: Actor) {
    return sql.revokeLicense(this.pool, id, now, by);
  }

  async extendLicense(id: number, days: number, by: Actor) {
    return sql.extendLicense(this.pool, id, days, by);
  }

  async redeemLicense(input: RedeemInput) {
    return sql.redeemLicense(this.pool, input);
  }

  async findUserById(id: number) {
    return sql.findUserById(this.pool, id);
  }

  async findUserByUsername(username: string) {
    return sql.findUserByUsername(this.pool, username);
  }

  async updateUserSettings(id: number, patch: UserSettingsPatch) {
    const user = await sql.updateUserSettings(this.pool, id, patch);
    if (!user) throw new NotFoundError('user_not_found', `no user with id ${id}`);
    return user;
  }

  async updatePasswordHash(id: number, passwordHash: string) {
    await sql.updatePasswordHash(this.pool, id, passwordHash);
  }

  async listAudit(limit: number) {
    return sql.listAudit(this.pool, limit);
  }
}
