/**
 * A pooled PostgreSQL client never turns the server ending its connection into an
 * unhandled 'error' event (which ends the process). pg-pool removes its idle listener
 * when it hands a client out, and a borrower awaiting `pool.connect()` attaches its own
 * only a microtask later — while the socket chunk that finished the previous borrower's
 * query may still hold the server's FATAL 57P01 (a restart), parsed in the same tick.
 * The chaos run lost a worker to exactly this during its PostgreSQL restart.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makePool } from '../../src/store/pg/db.js';
import { PG_ADMIN_URL } from '../helpers/engines.js';

const shutdown = () => Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01', severity: 'FATAL' });

test('a checked-out client hearing the server go away before its borrower listens does not throw', async () => {
  const pool = makePool(PG_ADMIN_URL, 1);
  try {
    const client = await pool.connect();
    let thrown: unknown;
    try {
      client.emit('error', shutdown());
    } catch (error) {
      thrown = error;
    } finally {
      client.release(true);
    }
    assert.equal(thrown, undefined, 'the error event had no listener');
    // The pool goes on with a fresh connection.
    assert.deepEqual((await pool.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
  } finally {
    await pool.end();
  }
});
