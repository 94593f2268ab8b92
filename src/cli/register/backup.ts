/** Declarations of the backup commands (filled in by the part that implements them). */
import type { Register } from './types.js';

/** Registers the backup commands. */
export const register: Register = () => {};
