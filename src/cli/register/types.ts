/** What a command-registration module receives from the program. */
import type { Command } from 'commander';
import type { GlobalOptions, Io } from '../io.js';

/** Wraps an async command body: hands it the global flags, records a non-zero return as the exit code. */
export type ActionFactory = <A extends unknown[]>(fn: (globals: GlobalOptions, ...args: A) => Promise<number | void>) => (...args: unknown[]) => Promise<void>;

/** A module that declares commands (declarations only: implementations load lazily in actions). */
export type Register = (program: Command, io: Io, action: ActionFactory) => void;

/** A commander parser for whole numbers within bounds. */
export { int } from './int.js';
