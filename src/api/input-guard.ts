/**
 * One guard for every route, run after schema validation and before any handler: text may
 * not carry NUL bytes or broken UTF-16 (PostgreSQL refuses both, SQLite would store them),
 * and numbers must be finite (ajv's string coercion turns "Infinity" and "1e309" into
 * Infinity and then skips minimum/maximum). Bad values are a 400 `invalid_request`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InvalidInputError } from '../errors.js';

/** NUL, or a surrogate half without its partner. */
const BAD_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A value still to look at, and where it sits (its path is spelled out only for a refusal). */
interface Pending {
  value: unknown;
  key: string;
  parent: Pending | undefined;
}

function pathOf(p: Pending): string {
  const keys: string[] = [];
  for (let at: Pending | undefined = p; at; at = at.parent) keys.push(at.key);
  return keys.reverse().join('/');
}

/** Where in a parsed value the first unusable scalar sits, and why; undefined when all are fine. */
export function findHostileValue(value: unknown, root: string): { path: string; why: string } | undefined {
  // Iterative, so a deeply nested body cannot overflow the stack; it runs on every request, so
  // a value's path is built only when it is refused.
  const stack: Pending[] = [{ value, key: root, parent: undefined }];
  while (stack.length > 0) {
    const p = stack.pop()!;
    const v = p.value;
    if (typeof v === 'string') {
      if (BAD_TEXT.test(v)) return { path: pathOf(p), why: 'contains a NUL byte or broken UTF-16 text — send plain UTF-8 text' };
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { path: pathOf(p), why: 'must be a finite number' };
    } else if (ArrayBuffer.isView(v)) {
      // Raw bytes (a payment notification's body) are not text: their route parses and checks them.
      continue;
    } else if (v !== null && typeof v === 'object') {
      for (const key of Object.keys(v)) {
        if (BAD_TEXT.test(key)) return { path: pathOf(p), why: 'has a field name with a NUL byte or broken UTF-16 text — send plain UTF-8 text' };
        const child = (v as Record<string, unknown>)[key];
        // Scalars are checked here, without a stack entry.
        if (typeof child === 'string' ? BAD_TEXT.test(child) : typeof child === 'number' ? !Number.isFinite(child) : child !== null && typeof child === 'object') {
          stack.push({ value: child, key, parent: p });
        }
      }
    }
  }
  return undefined;
}

/** A preHandler that refuses a request whose params, query or body hold an unusable value (a callback hook: no promise per request). */
export function refuseHostileInput(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
  const found = findHostileValue(request.params, 'params') ?? findHostileValue(request.query, 'querystring') ?? findHostileValue(request.body, 'body');
  done(found && new InvalidInputError('invalid_request', `${found.path.slice(0, 80)} ${found.why}`));
}
