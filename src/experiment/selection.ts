/**
 * Target selection modes, as AWS FIS spells them: `ALL`, `COUNT(n)`, `PERCENT(n)`.
 */
export type SelectionMode = { mode: 'ALL' } | { mode: 'COUNT'; count: number } | { mode: 'PERCENT'; percent: number };

export type SelectionParse = { ok: true; value: SelectionMode } | { ok: false; reason: string };

export function parseSelection(text: string): SelectionParse {
  const trimmed = text.trim();
  if (trimmed === 'ALL') return { ok: true, value: { mode: 'ALL' } };
  const match = /^(COUNT|PERCENT)\(\s*([^)]*)\s*\)$/.exec(trimmed);
  if (match === null) {
    return { ok: false, reason: `'${text}' is not a selection mode (use ALL, COUNT(n) or PERCENT(n))` };
  }
  const [, kind, raw = ''] = match;
  const n = Number(raw);
  if (raw === '' || !Number.isFinite(n)) return { ok: false, reason: `${kind}(${raw}) needs a number` };
  if (kind === 'COUNT') {
    if (!Number.isInteger(n) || n < 1) return { ok: false, reason: `COUNT(${raw}) needs a whole number of at least 1` };
    return { ok: true, value: { mode: 'COUNT', count: n } };
  }
  if (n <= 0 || n > 100) return { ok: false, reason: `PERCENT(${raw}) must be more than 0 and at most 100` };
  return { ok: true, value: { mode: 'PERCENT', percent: n } };
}

export function formatSelection(selection: SelectionMode): string {
  switch (selection.mode) {
    case 'ALL':
      return 'ALL';
    case 'COUNT':
      return `COUNT(${selection.count})`;
    case 'PERCENT':
      return `PERCENT(${selection.percent})`;
  }
}

/**
 * How many of `available` resources a selection takes. PERCENT rounds up and takes at least one: asking for a share of
 * a fleet means touching some of it. FIS rounds down and can select none (its User Guide, Targets, Selection mode), so
 * `fis export` names the difference.
 */
export function selectionSize(selection: SelectionMode, available: number): number {
  switch (selection.mode) {
    case 'ALL':
      return available;
    case 'COUNT':
      return Math.min(selection.count, available);
    case 'PERCENT':
      return available === 0 ? 0 : Math.min(available, Math.max(1, Math.ceil((available * selection.percent) / 100)));
  }
}

/**
 * Picks the resources a selection takes. `random` must return values in [0, 1); a seeded generator makes the
 * choice reproducible, and the seed is recorded in the journal.
 */
export function applySelection<T>(selection: SelectionMode, resources: readonly T[], random: () => number): T[] {
  const n = selectionSize(selection, resources.length);
  if (n === resources.length) return [...resources];
  const pool = [...resources];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const a = pool[i] as T;
    pool[i] = pool[j] as T;
    pool[j] = a;
  }
  return pool.slice(0, n);
}

/** A small seeded PRNG (mulberry32): reproducible target picks from a recorded seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
