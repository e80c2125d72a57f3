/**
 * `aws.ec2.network-latency` — adds latency to the selected instances' network with AWS FIS's SSM documents
 * AWSFIS-Run-Network-Latency (all traffic of an interface) or, with `sources`, AWSFIS-Run-Network-Latency-Sources
 * (traffic to or from those sources, with jitter). It lasts the fault's `duration` (DurationSeconds); the undo cancels
 * the command, whose rollback script removes the delay.
 */
import { z } from 'zod';
import { duration } from '../../experiment/fields.js';
import { yes } from '../../registry/capabilities.js';
import { fisDocumentAction } from '../ssm/fis-document.js';
import { sourceList, ssmBool, waitTimeout } from '../ssm/run-command.js';
import { flowsPercent, interfaceName, sourceParameters, sourcesFrom, sourcesOnly, towards, trafficType } from './network-sources.js';

export const NETWORK_LATENCY_DOCUMENT = 'AWSFIS-Run-Network-Latency';
export const NETWORK_LATENCY_SOURCES_DOCUMENT = 'AWSFIS-Run-Network-Latency-Sources';

const args = z
  .strictObject({
    /** The added delay (the documents' DelayMilliseconds; their default is 200 ms). */
    delay: duration().default(200),
    /** The jitter (JitterMilliseconds of the -Sources document, whose default is 10 ms); needs `sources`. */
    jitter: duration().optional(),
    sources: sourceList().optional(),
    trafficType,
    flowsPercent,
    interface: interfaceName,
    /** Whether Systems Manager installs the document's dependencies (atd, dig, tc; jq and lsof with sources). */
    installDependencies: z.boolean().default(true),
    timeout: waitTimeout(),
  })
  .superRefine(sourcesOnly(NETWORK_LATENCY_DOCUMENT, ['jitter', 'trafficType', 'flowsPercent']));

const ms = (n: number): string => String(Math.round(n));

export const networkLatencyAction = fisDocumentAction<z.output<typeof args>>({
  id: 'aws.ec2.network-latency',
  summary: "Adds network latency on the selected EC2 instances with SSM Run Command (AWSFIS-Run-Network-Latency[-Sources]) for the fault's duration.",
  args,
  documents: [NETWORK_LATENCY_DOCUMENT, NETWORK_LATENCY_SOURCES_DOCUMENT],
  sim: yes('The simulated instance delays the traffic the document names for DurationSeconds of AWS time.'),
  // Half the delay, or the least a jittered delay adds, whichever is less: a request crosses it at least once.
  effect: (a) => ({
    text: `${ms(a.delay)} ms added${towards(a.sources)}`,
    slowerByMs: Math.max(1, Math.min(a.delay / 2, a.delay - (a.jitter ?? 0))),
    checkedByDefault: true,
  }),
  toDocument(a) {
    const common = {
      DelayMilliseconds: ms(a.delay),
      ...(a.interface === undefined ? {} : { Interface: a.interface }),
      InstallDependencies: ssmBool(a.installDependencies),
    };
    if (a.sources === undefined) return { document: NETWORK_LATENCY_DOCUMENT, parameters: common };
    return {
      document: NETWORK_LATENCY_SOURCES_DOCUMENT,
      parameters: { ...common, ...(a.jitter === undefined ? {} : { JitterMilliseconds: ms(a.jitter) }), ...sourceParameters(a) },
    };
  },
  fromParameters(_document, p) {
    return {
      ...(p.DelayMilliseconds === undefined ? {} : { delay: `${p.DelayMilliseconds}ms` }),
      ...(p.JitterMilliseconds === undefined ? {} : { jitter: `${p.JitterMilliseconds}ms` }),
      ...sourcesFrom(p),
    };
  },
});
