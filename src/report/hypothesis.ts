import { decodeSamples, type Journal } from '../engine/journal.js';

/** Whether one probe held its tolerance during one steady-state phase, read from the journal's samples. */
export interface HypothesisCheck {
  probe: string;
  phase: 'steady-state-before' | 'steady-state-after';
  /** null when the phase did not run (nothing was injected, or the run stopped before it). */
  held: boolean | null;
  samples: number;
  failed: number;
  /** The first reason a sample was out of tolerance. */
  reason: string | undefined;
}

/** The steady-state hypothesis of a run, per probe and phase: pure function of the journal. */
export function hypothesisChecks(j: Journal): HypothesisCheck[] {
  const out: HypothesisCheck[] = [];
  for (const phaseName of ['steady-state-before', 'steady-state-after'] as const) {
    const phase = j.phases.find((p) => p.name === phaseName);
    for (const p of j.probes) {
      if (phase === undefined) {
        out.push({ probe: p.name, phase: phaseName, held: null, samples: 0, failed: 0, reason: undefined });
        continue;
      }
      const end = phase.endedAt ?? Infinity;
      const inPhase = decodeSamples(p.samples).filter((s) => s.end >= phase.startedAt && s.start <= end);
      const failed = inPhase.filter((s) => !s.ok);
      out.push({
        probe: p.name,
        phase: phaseName,
        held: inPhase.length === 0 ? null : failed.length === 0,
        samples: inPhase.length,
        failed: failed.length,
        reason: failed[0]?.reason,
      });
    }
  }
  return out;
}
