import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { duration } from '../../experiment/fields.js';
import { NO_WORKLOAD_FREE, NO_WORKLOAD_MOTO, no, partial, yes } from '../../registry/capabilities.js';
import type { ProbeDefinition, ProbeObservation } from '../../registry/types.js';
import { networkErrorText } from './network-error.js';

const args = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65_535),
  timeout: duration().default(2_000),
});

const tolerance = z.strictObject({ maxLatency: duration().optional() });

type Args = z.output<typeof args>;
type Tolerance = z.output<typeof tolerance>;

/** Opens (and closes) a TCP connection; within tolerance when it connects in time. */
export const tcpProbe: ProbeDefinition<Args, Tolerance> = {
  id: 'tcp',
  summary: 'Opens a TCP connection to host:port and times the handshake.',
  measures: ['availability', 'latency'],
  permissions: { read: [], write: [] },
  capabilities: {
    services: [],
    support: {
      sim: yes(),
      moto: no(NO_WORKLOAD_MOTO),
      'localstack-free': no(NO_WORKLOAD_FREE),
      'localstack-paid': partial('As http: containers of the Docker VM manager and RDS database ports (4510-4559) answer.'),
      aws: yes(),
    },
  },
  args,
  tolerance,
  defaultTolerance: {},
  open(a) {
    return {
      sample: () =>
        new Promise<ProbeObservation>((resolve) => {
          const started = performance.now();
          // The connect timeout bounds each sample, so the sampler's stop signal need not reach the socket.
          const socket = connect({ host: a.host, port: a.port, timeout: a.timeout });
          const finish = (o: ProbeObservation): void => {
            socket.destroy();
            resolve(o);
          };
          socket.once('connect', () => finish({ value: true, latencyMs: performance.now() - started }));
          socket.once('timeout', () => finish({ error: `timed out after ${a.timeout}ms`, latencyMs: performance.now() - started }));
          socket.once('error', (error) => finish({ error: networkErrorText(error, a.timeout), latencyMs: performance.now() - started }));
        }),
      close: async () => undefined,
    };
  },
  check(o, t) {
    if (o.error !== undefined) return o.error;
    if (t.maxLatency !== undefined && (o.latencyMs ?? 0) > t.maxLatency) {
      return `connect took ${Math.round(o.latencyMs ?? 0)}ms, above ${t.maxLatency}ms`;
    }
    return null;
  },
};
