/**
 * `aws.ec2.memory-stress` — fills the selected instances' virtual memory with AWS FIS's SSM document
 * AWSFIS-Run-Memory-Stress (stress-ng). It lasts the fault's `duration` (DurationSeconds); the undo cancels the
 * command, which stops the stressors.
 */
import { z } from 'zod';
import { yes } from '../../registry/capabilities.js';
import { fisDocumentAction } from '../ssm/fis-document.js';
import { ssmBool, waitTimeout } from '../ssm/run-command.js';
import { installFrom } from './network-sources.js';

export const MEMORY_STRESS_DOCUMENT = 'AWSFIS-Run-Memory-Stress';

const args = z.strictObject({
  /** The percentage of virtual memory to use (Percent, required by the document). */
  percent: z.number().int().min(1).max(100),
  /** The number of virtual memory stressors (Workers; the document's default is 1). */
  workers: z.number().int().min(1).default(1),
  /** Whether Systems Manager installs stress-ng. */
  installDependencies: z.boolean().default(true),
  timeout: waitTimeout(),
});

export const memoryStressAction = fisDocumentAction<z.output<typeof args>>({
  id: 'aws.ec2.memory-stress',
  // An app with memory to spare may not feel it, rightly: checked only when the fault asks (`verify`).
  effect: (a) => ({ text: `${a.percent}% of memory taken`, checkedByDefault: false }),
  summary: "Fills the selected EC2 instances' memory with SSM Run Command (AWSFIS-Run-Memory-Stress) for the fault's duration.",
  args,
  documents: [MEMORY_STRESS_DOCUMENT],
  sim: yes('The simulated instance holds that share of its memory for DurationSeconds of AWS time.'),
  toDocument: (a) => ({
    document: MEMORY_STRESS_DOCUMENT,
    parameters: { Percent: String(a.percent), Workers: String(a.workers), InstallDependencies: ssmBool(a.installDependencies) },
  }),
  fromParameters: (_document, p) => ({
    ...(p.Percent === undefined ? {} : { percent: Number(p.Percent) }),
    ...(p.Workers === undefined ? {} : { workers: Number(p.Workers) }),
    ...installFrom(p),
  }),
});
