/**
 * FIS target selection modes, read from the AWS FIS User Guide, "Targets for AWS FIS", section "Selection mode"
 * (https://docs.aws.amazon.com/fis/latest/userguide/targets.html#target-selection-mode):
 * - `ALL` runs the action on all identified targets;
 * - `COUNT(n)` on n of them, chosen at random;
 * - `PERCENT(n)` on n percent of them, chosen at random. The page says: "If you have an odd number of resources and
 *   specify 50%, AWS FIS rounds down [...] five Amazon EC2 instances [...] scope to 50%, AWS FIS rounds down to two
 *   instances. You can't specify a percentage that is less than one resource [...] four Amazon EC2 instances and scope
 *   to 5%, AWS FIS can't select an instance." So the count is floor(pool × n / 100), and it may be zero; with no
 *   resource selected, "the experiment fails".
 *
 * This is the simulated region's own reading, written from that page and not from gameday's: a test double that
 * shared gameday's selection code could not notice gameday misreading FIS.
 */
export type FisSelection = { kind: 'ALL' } | { kind: 'COUNT'; n: number } | { kind: 'PERCENT'; n: number };

/** The selection a template's `selectionMode` names, or undefined when CreateExperimentTemplate would refuse it. */
export function readFisSelection(selectionMode: string): FisSelection | undefined {
  if (selectionMode === 'ALL') return { kind: 'ALL' };
  const m = /^(COUNT|PERCENT)\((\d+(?:\.\d+)?)\)$/.exec(selectionMode);
  if (m === null) return undefined;
  const n = Number(m[2]);
  if (m[1] === 'COUNT') return Number.isInteger(n) && n >= 1 ? { kind: 'COUNT', n } : undefined;
  return n > 0 && n <= 100 ? { kind: 'PERCENT', n } : undefined;
}

/** How many of `poolSize` identified resources FIS acts on: COUNT is capped by the pool, PERCENT rounds down. */
export function fisSelectionCount(selection: FisSelection, poolSize: number): number {
  if (selection.kind === 'ALL') return poolSize;
  if (selection.kind === 'COUNT') return Math.min(selection.n, poolSize);
  return Math.floor((poolSize * selection.n) / 100);
}

/** The resources FIS acts on: `count` of the pool drawn at random without repeats, in the order drawn. */
export function selectFisTargets<T>(selection: FisSelection, pool: readonly T[], random: () => number = Math.random): T[] {
  const wanted = fisSelectionCount(selection, pool.length);
  if (wanted === pool.length) return [...pool];
  const left = [...pool];
  const drawn: T[] = [];
  while (drawn.length < wanted) drawn.push(...left.splice(Math.floor(random() * left.length), 1));
  return drawn;
}
