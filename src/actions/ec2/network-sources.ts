/**
 * The arguments the AWSFIS network documents share (https://docs.aws.amazon.com/fis/latest/userguide/actions-ssm-agent.html):
 * the interface, and for the -Sources documents the sources, traffic type and share of flows.
 */
import { z } from 'zod';

/**
 * The network interface(s) (Interface). Left out, each document's own default applies: `eth0` for the documents
 * without sources, `DEFAULT` (the primary interface) for the -Sources ones.
 */
export const interfaceName = z
  .string()
  .regex(/^[^\s]+$/, { error: 'an interface name (eth0), a comma-separated list, ALL or DEFAULT' })
  .optional();
/** ingress or egress (TrafficType of the -Sources documents; their default is ingress). */
export const trafficType = z.enum(['ingress', 'egress']).optional();
/** The percentage of network flows affected (FlowsPercent of the -Sources documents; their default is 100). */
export const flowsPercent = z.number().int().min(1).max(100).optional();

interface SourceArgs {
  sources?: string[] | undefined;
  trafficType?: string | undefined;
  flowsPercent?: number | undefined;
  interface?: string | undefined;
  installDependencies: boolean;
}

/** Refuses arguments only the -Sources document takes when no sources are given. */
export function sourcesOnly(document: string, keys: readonly string[]) {
  return (a: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    if (a.sources !== undefined) return;
    for (const key of keys)
      if (a[key] !== undefined)
        ctx.addIssue({ code: 'custom', path: [key], message: `${key} applies only with sources (${document} without sources has no such parameter)` });
  };
}

/** Sources, TrafficType and FlowsPercent as the -Sources documents take them. */
export function sourceParameters(a: SourceArgs): Record<string, string> {
  return {
    Sources: (a.sources ?? []).join(','),
    ...(a.trafficType === undefined ? {} : { TrafficType: a.trafficType }),
    ...(a.flowsPercent === undefined ? {} : { FlowsPercent: String(a.flowsPercent) }),
  };
}

/** The shared arguments back from a document's parameters, as an experiment file spells them. */
export function sourcesFrom(p: Record<string, string>): Record<string, unknown> {
  return {
    ...(p.Sources === undefined ? {} : { sources: p.Sources.split(',').filter((s) => s !== '') }),
    ...(p.TrafficType === undefined ? {} : { trafficType: p.TrafficType }),
    ...(p.FlowsPercent === undefined ? {} : { flowsPercent: Number(p.FlowsPercent) }),
    ...(p.Interface === undefined ? {} : { interface: p.Interface }),
    ...installFrom(p),
  };
}

/** InstallDependencies back as the `installDependencies` argument. */
export function installFrom(p: Record<string, string>): Record<string, unknown> {
  return p.InstallDependencies === undefined ? {} : { installDependencies: p.InstallDependencies.toLowerCase() === 'true' };
}

/** " towards a, b" for an effect's words when a fault names sources, else nothing. */
export const towards = (sources: readonly string[] | undefined): string => (sources === undefined ? '' : ` towards ${sources.join(', ')}`);

/**
 * The least a lost packet adds to a request: Linux's minimum retransmission timeout, TCP_RTO_MIN, 200 ms (RFC 6298
 * §2.4 asks for 1 s; Linux waits less). A request slower than its steady state by this much, or failed, felt a loss.
 */
export const LOST_PACKET_MS = 200;
