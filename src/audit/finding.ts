import type { Architecture } from '../architecture/model.js';

/** The playbook's layers: a readiness score is given per layer. */
export const LAYERS = ['zones', 'load-balancing', 'database', 'dns', 'deployments', 'network'] as const;
export type Layer = (typeof LAYERS)[number];

/** From most to least severe; `info` is what holds (a check that passed) or what is only worth knowing. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What the operator declares the architecture must meet (`gameday audit --rto 5m --need web-asg=3`). */
export interface AuditObjectives {
  /** Recovery time objective, seconds: DNS failover slower than this is a finding; generated experiments use it. */
  rtoSeconds: number;
  /** In-service instances each group must keep (by group name); the group's minimum when not declared. */
  need: Record<string, number>;
}

/** One experiment that proves (or disproves) a finding: a gameday experiment, YAML text, ready to run on the twin. */
export interface ProvingExperiment {
  /** File name it is written under (`--write-experiments DIR`), `<rule>-<resource>.yaml`. */
  file: string;
  /** The experiment, as YAML text: `environment` is the twin's; only it changes to run against the account. */
  yaml: string;
  /** The playbook claim it tests, one sentence ("the site survives the loss of us-east-1a within 5 minutes"). */
  claim: string;
}

/** One rule's verdict about one resource (or set of resources). */
export interface Finding {
  /** Stable rule id, e.g. `asg-fewer-than-three-zones`. */
  rule: string;
  layer: Layer;
  severity: Severity;
  /** One sentence: what is wrong, naming the resources. */
  title: string;
  /** The resources that show it: ARNs where AWS has them, else ids. */
  evidence: string[];
  /** The playbook principle it breaks. */
  principle: string;
  /** How to fix it, one or two sentences. */
  fix: string;
  /** An AWS documentation page that backs the principle. */
  reference: string;
  /** The experiment that would break it; absent when no fault can show it (stated in `unprovable`). */
  experiment?: ProvingExperiment | undefined;
  /** Why no experiment proves it, when none does. */
  unprovable?: string | undefined;
}

/** What `--prove` measured of one finding's experiment on the twin. */
export interface Proof {
  rule: string;
  evidence: string[];
  /** `confirmed`: the experiment broke an objective, so the weakness is real; `refuted`: the architecture held. */
  outcome: 'confirmed' | 'refuted' | 'error';
  /** The run's verdict and its measured numbers, as the journal gives them. */
  verdict?: string | undefined;
  measurements: { name: string; value: string }[];
  /** Journal file of the run. */
  journal?: string | undefined;
  /** Why the run could not be made (an `error` outcome). */
  error?: string | undefined;
  wallMs: number;
}

/** A layer's readiness: 100 when nothing above `info` is found in it. */
export interface LayerScore {
  layer: Layer;
  score: number;
  findings: number;
}

export interface AuditReport {
  architecture: Pick<Architecture, 'source' | 'region' | 'accountId'>;
  objectives: AuditObjectives;
  findings: Finding[];
  scores: LayerScore[];
  /** What the architecture holds that the audit could not judge (from `Architecture.unmodelled`). */
  unmodelled: Architecture['unmodelled'];
  proofs?: Proof[] | undefined;
}
