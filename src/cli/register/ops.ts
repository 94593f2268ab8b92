/** Declarations of the ops commands (filled in by the part that implements them). */
import type { Register } from './types.js';

/** Registers the ops commands. */
export const register: Register = () => {};
