/**
 * One guard for every route, run after schema validation and before any handler: text may
 * not carry NUL bytes or broken UTF-16 (PostgreSQL refuses both, SQLite would store them),
 * and numbers must be finite (ajv's string coercion turns "Infinity" and "1e309" into
 * Infinity and then skips minimum/maximum). Bad values are a 400 `invalid_request`.
 */
import type { FastifyRequest } from 'fastify';
import { InvalidInputError } from '../errors.js';

/** NUL, or a surrogate half without its partner. */
const BAD_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Where in a parsed value the first unusable scalar sits, and why; undefined when all are fine. */
export function findHostileValue(value: unknown, root: string): { path: string; why: string } | undefined {
  // Iterative, so a deeply nested body cannot overflow the stack.
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [v, at] = stack.pop()!;
    if (typeof v === 'string') {
      if (BAD_TEXT.test(v)) return { path: at, why: 'contains a NUL byte or broken UTF-16 text — send plain UTF-8 text' };
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { path: at, why: 'must be a finite number' };
    } else if (ArrayBuffer.isView(v)) {
      // Raw bytes (a payment notification's body) are not text: their route parses and checks them.
      continue;
    } else if (v !== null && typeof v === 'object') {
      for (const [key, child] of Object.entries(v)) {
        if (BAD_TEXT.test(key)) return { path: at, why: 'has a field name with a NUL byte or broken UTF-16 text — send plain UTF-8 text' };
        stack.push([child, `${at}/${key}`]);
      }
    }
  }
  return undefined;
}

/** A preHandler that refuses a request whose params, query or body hold an unusable value. */
export async function refuseHostileInput(request: FastifyRequest): Promise<void> {
  for (const [part, value] of [['params', request.params], ['querystring', request.query], ['body', request.body]] as const) {
    const found = findHostileValue(value, part);
    if (found) throw new InvalidInputError('invalid_request', `${found.path.slice(0, 80)} ${found.why}`);
  }
}
