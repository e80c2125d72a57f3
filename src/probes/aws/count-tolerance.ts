import { z } from 'zod';

/** Tolerance on a counted value (in-service instances, healthy targets…). */
export const countTolerance = z.strictObject({
  atLeast: z.number().int().min(0).optional(),
  atMost: z.number().int().min(0).optional(),
});
export type CountTolerance = z.output<typeof countTolerance>;

export function checkCount(value: unknown, t: CountTolerance, noun: string, fallbackAtLeast?: number): string | null {
  if (typeof value !== 'number') return `no count of ${noun}`;
  const atLeast = t.atLeast ?? fallbackAtLeast;
  if (atLeast !== undefined && value < atLeast) return `${value} ${noun}, expected at least ${atLeast}`;
  if (t.atMost !== undefined && value > t.atMost) return `${value} ${noun}, expected at most ${t.atMost}`;
  return null;
}
