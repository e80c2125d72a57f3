import { decodeSamples, type Journal } from '../engine/journal.js';

/** One journey probe's run, as reports show it: its steps, how many journeys failed and where. */
export interface JourneySummary {
  probe: string;
  steps: string[];
  journeys: number;
  failed: number;
  /** p99 of whole journeys during the fault window, wall-clock ms; null when none was timed. */
  p99During: number | null;
  /** Failed journeys grouped by what failed them (the step and what went wrong, or the limit), most frequent first. */
  failures: { reason: string; count: number }[];
}

/** The journey probes of a run (those the journal lists steps for): a pure function of the journal. */
export function journeySummaries(j: Journal): JourneySummary[] {
  return j.probes.flatMap((p) => {
    if (p.steps === undefined) return [];
    const samples = decodeSamples(p.samples);
    const counts = new Map<string, number>();
    for (const s of samples) {
      if (s.ok) continue;
      // Slow journeys differ in their times; they are one kind of failure.
      const reason = (s.reason ?? 'out of tolerance').replace(/^journey took \d+ms, /, 'journey ');
      counts.set(reason, (counts.get(reason) ?? 0) + 1);
    }
    return [
      {
        probe: p.name,
        steps: p.steps,
        journeys: samples.length,
        failed: samples.filter((s) => !s.ok).length,
        p99During: j.measurement.probes[p.name]?.latency.during?.p99 ?? null,
        failures: [...counts].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count),
      },
    ];
  });
}

/** "3× step 2 (GET /orders/${id}): HTTP 500, expected 200; 1× journey over its 1000ms limit", or "none". */
export function failureText(s: JourneySummary): string {
  return s.failures.length === 0 ? 'none' : s.failures.map((f) => `${f.count}× ${f.reason}`).join('; ');
}
