import { closest, distance } from 'fastest-levenshtein';

/** `" (did you mean 'name'?)"` when a candidate is close enough to be a likely typo, else an empty string. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  if (candidates.length === 0) return '';
  const best = closest(word, [...candidates]);
  const limit = Math.max(2, Math.floor(word.length / 3));
  return distance(word.toLowerCase(), best.toLowerCase()) <= limit ? ` (did you mean '${best}'?)` : '';
}
