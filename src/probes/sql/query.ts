import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { duration } from '../../experiment/fields.js';
import { NO_WORKLOAD_MOTO, no, partial, yes } from '../../registry/capabilities.js';
import type { ProbeDefinition } from '../../registry/types.js';
import { connectionArgs, connector, drop, sqlErrorText, type Connection } from './connection.js';

const args = z.strictObject({ ...connectionArgs, query: z.string().min(1).default('SELECT 1') });
const tolerance = z.strictObject({ maxLatency: duration().optional(), minRows: z.number().int().min(0).optional() });

/** `sql.query`: runs a query over a kept connection; within tolerance when it succeeds in time with enough rows. */
export const sqlQueryProbe: ProbeDefinition<z.output<typeof args>, z.output<typeof tolerance>> = {
  id: 'sql.query',
  summary: 'Runs a SQL query against PostgreSQL and checks success, latency and row count.',
  measures: ['availability', 'latency'],
  permissions: { read: [], write: [] },
  capabilities: {
    services: [],
    support: {
      sim: yes('PostgreSQL served by PGlite behind the instance endpoint.'),
      moto: no(NO_WORKLOAD_MOTO),
      'localstack-free': no('RDS is not in the community image.'),
      'localstack-paid': partial('One real database process per instance; Multi-AZ is stored, not served, so a failover never moves it.'),
      aws: yes(),
    },
  },
  args,
  tolerance,
  defaultTolerance: {},
  open(a, ctx) {
    const connections = connector(a, ctx.speed, ctx.clock);
    let conn: Connection | undefined;
    return {
      async sample() {
        const started = performance.now();
        try {
          conn ??= await connections.open();
          const result = await conn.client.query(a.query);
          return {
            value: result.rowCount ?? result.rows.length,
            latencyMs: performance.now() - started,
            ...(conn.address === undefined ? {} : { endpoint: conn.address }),
          };
        } catch (error) {
          drop(conn?.client);
          conn = undefined;
          return { error: sqlErrorText(error), latencyMs: performance.now() - started };
        }
      },
      close: async () => {
        drop(conn?.client);
        conn = undefined;
        connections.close();
      },
    };
  },
  check(o, t) {
    if (o.error !== undefined) return o.error;
    if (t.maxLatency !== undefined && (o.latencyMs ?? 0) > t.maxLatency) return `query took ${Math.round(o.latencyMs ?? 0)}ms, above ${t.maxLatency}ms`;
    if (t.minRows !== undefined && typeof o.value === 'number' && o.value < t.minRows) return `${o.value} rows, expected at least ${t.minRows}`;
    return null;
  },
};
