/** Declarations of the jobs commands (filled in by the part that implements them). */
import type { Register } from './types.js';

/** Registers the jobs commands. */
export const register: Register = () => {};
