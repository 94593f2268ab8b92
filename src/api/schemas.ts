/**
 * Schema pieces shared by routes, so every `:id` and every limit is checked the same way.
 */
import { NotFoundError } from '../errors.js';
import { isRowId } from '../store/rows.js';

/** `:id` path params: a positive whole number (range is checked by `rowIdOr404`, not here). */
export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1 } },
} as const;

/** The id itself when a row could have it; otherwise the same 404 a missing row gets. */
export function rowIdOr404(id: number, notFound: () => NotFoundError): number {
  if (!isRowId(id)) throw notFound();
  return id;
}
