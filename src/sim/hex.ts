import { randomBytes } from 'node:crypto';

/** `n` random hex digits, for the ids AWS gives resources (`vpc-…`, `acl-…`). */
export const hex = (n: number): string =>
  randomBytes(Math.ceil(n / 2))
    .toString('hex')
    .slice(0, n);
