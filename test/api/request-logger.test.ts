/** The per-request logger is made only when a request logs, and then logs as Fastify's would. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { lazyRequestLogger } from '../../src/api/request-logger.js';
import { makeLogger } from '../../src/log.js';

function logged(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const logger = makeLogger({ log: { level: level as 'warn', format: 'json' }, env: 'prod' }, sink);
  let children = 0;
  const counting = {
    get level() {
      return logger.level;
    },
    isLevelEnabled: (level: string) => logger.isLevelEnabled(level),
    child: (...args: Parameters<typeof logger.child>) => (children++, logger.child(...args)),
  };
  const make = (options = {}) => lazyRequestLogger.call({} as FastifyInstance, counting as unknown as FastifyBaseLogger, { reqId: 'req-7' }, options, {} as IncomingMessage);
  return { lines, make, children: () => children };
}

test('below the level nothing is made or written; at it, the line carries the request id', () => {
  const { lines, make, children } = logged('warn');
  const log = make();
  log.info('not at this level');
  log.debug({ a: 1 }, 'nor this');
  assert.equal(log.level, 'warn');
  assert.equal(children(), 0, 'no child logger for a request that logs nothing');
  log.error({ err: new Error('boom'), password: 'hunter2' }, 'failed');
  log.warn('again');
  assert.equal(children(), 1, 'one child, made on the first line');
  assert.deepEqual(lines.map((l) => [l.reqId, l.msg, l.level]), [['req-7', 'failed', 50], ['req-7', 'again', 40]]);
  assert.equal(lines[0].password, '[redacted]', 'redaction still applies');
});

test("a request's own level and child loggers work through it", () => {
  const { lines, make } = logged('warn');
  const log = make();
  log.level = 'debug';
  log.debug('now shown');
  log.child({ part: 'x' }).info('from a child');
  assert.deepEqual(lines.map((l) => [l.reqId, l.part, l.msg]), [['req-7', undefined, 'now shown'], ['req-7', 'x', 'from a child']]);
  const routeLevel = make({ level: 'info' });
  routeLevel.info('a route with its own level');
  assert.equal(lines.at(-1)?.msg, 'a route with its own level');
});
