/**
 * `aws.ec2.cpu-stress` — loads the selected instances' CPUs with AWS FIS's SSM document AWSFIS-Run-CPU-Stress
 * (stress-ng). It lasts the fault's `duration` (DurationSeconds); the undo cancels the command, which stops the stressors.
 */
import { z } from 'zod';
import { yes } from '../../registry/capabilities.js';
import { fisDocumentAction } from '../ssm/fis-document.js';
import { ssmBool, waitTimeout } from '../ssm/run-command.js';
import { installFrom } from './network-sources.js';

export const CPU_STRESS_DOCUMENT = 'AWSFIS-Run-CPU-Stress';

const args = z.strictObject({
  /** The target CPU load, 0 (none) to 100 (full) (LoadPercent; the document's default is 100). */
  loadPercent: z.number().int().min(0).max(100).default(100),
  /** The number of CPU stressors (CPU); left out, the document's default 0 uses all of them. */
  cpu: z.number().int().min(0).optional(),
  /** Whether Systems Manager installs stress-ng. */
  installDependencies: z.boolean().default(true),
  timeout: waitTimeout(),
});

export const cpuStressAction = fisDocumentAction<z.output<typeof args>>({
  id: 'aws.ec2.cpu-stress',
  // An app with headroom may absorb it, rightly: checked only when the fault asks (`verify`), by its `slowerBy`.
  effect: (a) => ({ text: `${a.loadPercent}% CPU load`, checkedByDefault: false }),
  summary: "Loads the selected EC2 instances' CPUs with SSM Run Command (AWSFIS-Run-CPU-Stress) for the fault's duration.",
  args,
  documents: [CPU_STRESS_DOCUMENT],
  sim: yes('The simulated instance serves more slowly under the load for DurationSeconds of AWS time.'),
  toDocument: (a) => ({
    document: CPU_STRESS_DOCUMENT,
    parameters: {
      LoadPercent: String(a.loadPercent),
      ...(a.cpu === undefined ? {} : { CPU: String(a.cpu) }),
      InstallDependencies: ssmBool(a.installDependencies),
    },
  }),
  fromParameters: (_document, p) => ({
    ...(p.LoadPercent === undefined ? {} : { loadPercent: Number(p.LoadPercent) }),
    ...(p.CPU === undefined ? {} : { cpu: Number(p.CPU) }),
    ...installFrom(p),
  }),
});
