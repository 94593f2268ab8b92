/** Declarations of the deploy commands (filled in by the part that implements them). */
import type { Register } from './types.js';

/** Registers the deploy commands. */
export const register: Register = () => {};
