/**
 * The account allow-lists, judged in one place: the run's plan, `gameday doctor` and the architecture reader (twin,
 * audit) each name the lists they hold, in the order they are checked, and word the refusal their own way.
 */

/** One allow-list: where it comes from (`GAMEDAY_ALLOWED_ACCOUNT_IDS`, `allowedAccountIds`…) and its ids. */
export interface AccountAllowList {
  name: string;
  ids: readonly string[];
}

/** What the allow-lists say of an account: the first non-empty list that leaves it out, else the lists that name it. */
export type AccountVerdict = { allowed: false; refusedBy: AccountAllowList } | { allowed: true; allowedBy: string[] };

/**
 * Judges `account` (undefined when STS did not say) against the lists in order: an empty list allows everything, a
 * non-empty one allows only what it names, and an unknown account is in no list.
 */
export function judgeAccount(account: string | undefined, lists: readonly AccountAllowList[]): AccountVerdict {
  const named = lists.filter((l) => l.ids.length > 0);
  const refusedBy = named.find((l) => account === undefined || !l.ids.includes(account));
  return refusedBy === undefined ? { allowed: true, allowedBy: named.map((l) => l.name) } : { allowed: false, refusedBy };
}
