/**
 * `aws.ec2.blackhole-port` — drops the selected instances' inbound or outbound traffic on one port with AWS FIS's SSM
 * document AWSFIS-Run-Network-Blackhole-Port (iptables). It lasts the fault's `duration` (DurationSeconds); the undo
 * cancels the command, whose rollback script removes the rule.
 */
import { z } from 'zod';
import { yes } from '../../registry/capabilities.js';
import { fisDocumentAction } from '../ssm/fis-document.js';
import { ssmBool, waitTimeout } from '../ssm/run-command.js';
import { installFrom, LOST_PACKET_MS } from './network-sources.js';

export const BLACKHOLE_PORT_DOCUMENT = 'AWSFIS-Run-Network-Blackhole-Port';

const args = z.strictObject({
  /** The port (Port, required). */
  port: z.number().int().min(1).max(65_535),
  /** The protocol (Protocol, required): tcp or udp. */
  protocol: z.enum(['tcp', 'udp']),
  /** ingress or egress (TrafficType; the document's default is ingress). */
  trafficType: z.enum(['ingress', 'egress']).default('ingress'),
  /** Whether Systems Manager installs the document's dependencies (atd, dig, lsof, iptables). */
  installDependencies: z.boolean().default(true),
  timeout: waitTimeout(),
});

export const blackholePortAction = fisDocumentAction<z.output<typeof args>>({
  id: 'aws.ec2.blackhole-port',
  // A request that needs the port hangs until its timeout, or its client retries another way, later.
  effect: (a) => ({ text: `${a.protocol.toUpperCase()} port ${a.port} blackholed (${a.trafficType})`, slowerByMs: LOST_PACKET_MS, checkedByDefault: true }),
  summary: "Drops the selected EC2 instances' traffic on one port with SSM Run Command (AWSFIS-Run-Network-Blackhole-Port) for the fault's duration.",
  args,
  documents: [BLACKHOLE_PORT_DOCUMENT],
  sim: yes('The simulated instance drops that protocol and port in that direction for DurationSeconds of AWS time.'),
  toDocument: (a) => ({
    document: BLACKHOLE_PORT_DOCUMENT,
    parameters: { Protocol: a.protocol, Port: String(a.port), TrafficType: a.trafficType, InstallDependencies: ssmBool(a.installDependencies) },
  }),
  fromParameters: (_document, p) => ({
    ...(p.Port === undefined ? {} : { port: Number(p.Port) }),
    ...(p.Protocol === undefined ? {} : { protocol: p.Protocol }),
    ...(p.TrafficType === undefined ? {} : { trafficType: p.TrafficType }),
    ...installFrom(p),
  }),
});
