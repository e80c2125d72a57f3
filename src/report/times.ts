import type { Bracket } from '../engine/bracket.js';
import type { Journal, ObjectiveResult } from '../engine/journal.js';

/** One duration on both clocks: `awsMs` = `wallMs` × `speed`. */
export interface DualTime {
  awsMs: number;
  wallMs: number;
  speed: number;
}

/** The headline durations of a run and its objectives, each on both clocks, as `--json` and `report --format json` give them. */
export interface HeadlineTimes {
  speed: number;
  timeToImpact: DualTime | null;
  timeToRecovery: DualTime | null;
  downtime: DualTime;
  /** Downtime of the request probes (what users met), when the run had any. */
  requestDowntime?: DualTime;
  objectives: { objective: ObjectiveResult['objective']; measured: DualTime | null; target: DualTime }[];
}

/**
 * Journals keep wall-clock ms and the speed; objectives are declared in AWS time. A reader of JSON gets both, so no
 * number can be read on the wrong clock.
 */
export function headlineTimes(j: Journal): HeadlineTimes {
  const speed = j.environment.speed;
  const wall = (wallMs: number): DualTime => ({ awsMs: wallMs * speed, wallMs, speed });
  const aws = (awsMs: number): DualTime => ({ awsMs, wallMs: awsMs / speed, speed });
  const of = (b: Bracket | null): DualTime | null => (b === null ? null : wall(b.value));
  const m = j.measurement;
  const requests = m.requests?.downtime;
  return {
    speed,
    timeToImpact: m.impactAt === null ? null : of(m.timeToImpact),
    timeToRecovery: of(m.timeToRecovery),
    downtime: wall(m.downtime.value),
    ...(requests === undefined ? {} : { requestDowntime: wall(requests.value) }),
    // Latencies are real time on any clock; journals from before timeBase mark only them as such by their objective.
    objectives: j.objectives
      .filter((o) => o.unit === 'ms' && (o.timeBase ?? (o.objective === 'maxP99Latency' || o.objective === 'maxJourneyP99' ? 'real' : 'aws')) === 'aws')
      .map((o) => ({ objective: o.objective, measured: o.measured === null ? null : aws(o.measured), target: aws(o.target) })),
  };
}
