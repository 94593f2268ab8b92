/** Option parsing shared by command declarations. */
import { InvalidArgumentError } from 'commander';

/** A commander parser for whole numbers within bounds. */
export function int(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}
