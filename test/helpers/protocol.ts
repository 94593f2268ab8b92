/**
 * The message validators docs/websocket.md defines (its ```json blocks, by `$id`): tests
 * check real socket traffic against the document client authors read.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { packagePath } from '../../src/paths.js';

/** The protocol document's text. */
export const protocolDoc = readFileSync(packagePath('docs', 'websocket.md'), 'utf8');

/** Validators by message type; each returns undefined for a valid message, else why not. */
export function protocolValidators(): Map<string, (message: unknown) => string | undefined> {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validators = new Map<string, (message: unknown) => string | undefined>();
  for (const [, block] of protocolDoc.matchAll(/```json\n([\s\S]*?)```/g)) {
    const schema = JSON.parse(block) as { $id: string };
    const validate = ajv.compile(schema);
    validators.set(schema.$id, (message) => (validate(message) ? undefined : ajv.errorsText(validate.errors)));
  }
  return validators;
}
