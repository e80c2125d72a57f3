/**
 * `aws.ec2.packet-loss` — drops a share of the selected instances' packets with AWS FIS's SSM documents
 * AWSFIS-Run-Network-Packet-Loss (all traffic of an interface) or, with `sources`, AWSFIS-Run-Network-Packet-Loss-Sources.
 * It lasts the fault's `duration` (DurationSeconds); the undo cancels the command, whose rollback script removes the loss.
 */
import { z } from 'zod';
import { yes } from '../../registry/capabilities.js';
import { fisDocumentAction } from '../ssm/fis-document.js';
import { sourceList, ssmBool, waitTimeout } from '../ssm/run-command.js';
import { flowsPercent, interfaceName, LOST_PACKET_MS, sourceParameters, sourcesFrom, sourcesOnly, towards, trafficType } from './network-sources.js';

export const PACKET_LOSS_DOCUMENT = 'AWSFIS-Run-Network-Packet-Loss';
export const PACKET_LOSS_SOURCES_DOCUMENT = 'AWSFIS-Run-Network-Packet-Loss-Sources';

const args = z
  .strictObject({
    /** The percentage of packets lost (LossPercent; the documents' default is 7). */
    lossPercent: z.number().int().min(0).max(100).default(7),
    sources: sourceList().optional(),
    trafficType,
    flowsPercent,
    interface: interfaceName,
    /** Whether Systems Manager installs the document's dependencies (atd, dig, lsof, tc; jq with sources). */
    installDependencies: z.boolean().default(true),
    timeout: waitTimeout(),
  })
  .superRefine(sourcesOnly(PACKET_LOSS_DOCUMENT, ['trafficType', 'flowsPercent']));

export const packetLossAction = fisDocumentAction<z.output<typeof args>>({
  id: 'aws.ec2.packet-loss',
  effect: (a) => ({ text: `${a.lossPercent}% of packets lost${towards(a.sources)}`, slowerByMs: LOST_PACKET_MS, checkedByDefault: true }),
  summary: "Drops a share of the selected EC2 instances' packets with SSM Run Command (AWSFIS-Run-Network-Packet-Loss[-Sources]) for the fault's duration.",
  args,
  documents: [PACKET_LOSS_DOCUMENT, PACKET_LOSS_SOURCES_DOCUMENT],
  sim: yes('The simulated instance drops that share of the traffic the document names for DurationSeconds of AWS time.'),
  toDocument(a) {
    const common = {
      LossPercent: String(a.lossPercent),
      ...(a.interface === undefined ? {} : { Interface: a.interface }),
      InstallDependencies: ssmBool(a.installDependencies),
    };
    if (a.sources === undefined) return { document: PACKET_LOSS_DOCUMENT, parameters: common };
    return { document: PACKET_LOSS_SOURCES_DOCUMENT, parameters: { ...common, ...sourceParameters(a) } };
  },
  fromParameters(_document, p) {
    return { ...(p.LossPercent === undefined ? {} : { lossPercent: Number(p.LossPercent) }), ...sourcesFrom(p) };
  },
});
