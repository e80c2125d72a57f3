import type { ActivityRecord, Verdict } from './journal.js';
import type { Sample } from './sampler.js';

export type PhaseName = 'resolve-targets' | 'steady-state-before' | 'method' | 'recovery' | 'rollback' | 'steady-state-after';

/** What a run reports while it goes; the CLI's live view and the orchestrator listen. */
export interface RunListener {
  phase?(name: PhaseName, at: number): void;
  sample?(probe: string, sample: Sample): void;
  probeState?(probe: string, ok: boolean, reason: string | undefined, at: number): void;
  activityStart?(kind: ActivityRecord['kind'], name: string, action: string): void;
  activityEnd?(record: ActivityRecord): void;
  stopCondition?(name: string, detail: string): void;
  recovered?(at: number): void;
  verdict?(verdict: Verdict, reason: string): void;
}
