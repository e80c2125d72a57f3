import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ttyView } from '../../src/cli/live-view.js';
import { gameday, tempDir } from '../support/cli.js';

/**
 * `from: <name>` places a probe at a client location of the simulated region's topology; the loader expands it into
 * the location's address and subnet, and refuses a name the topology does not declare, or one outside the sim.
 */
const TOPOLOGY = `region: us-east-1
availabilityZones: [a, b]
launchTemplates: [{ name: web-lt }]
loadBalancers:
  - { name: web-alb, crossZone: true, targetGroup: { name: web-tg, healthCheck: { path: /health } } }
autoScalingGroups:
  - { name: web-asg, launchTemplate: web-lt, min: 2, max: 2, desired: 2, healthCheckType: ELB, targetGroups: [web-tg], tags: { gameday:allowed: "true" } }
clients:
  - { name: tokyo, address: 127.77.0.1, subnet: 203.0.113.0/24, latency: { us-east-1: 160 } }
  - { name: virginia, address: 127.77.0.2, latency: { us-east-1: 5 } }
`;

function experiment(environment: string, from: string): string {
  return `apiVersion: gameday/v1
metadata: { name: placed }
environment: ${environment}
probes:
  - name: users
    probe: dns
    args: { name: www.example.com, server: "127.0.0.1:53", from: ${from} }
faults:
  - name: poke
    action: http.request
    args: { url: "http://127.0.0.1:9/" }
`;
}

describe('gameday validate: probes placed with from:', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    tmp = await tempDir();
    await tmp.write('topology.yaml', TOPOLOGY);
  });
  after(async () => {
    await tmp.cleanup();
  });

  it("accepts a location's name on the simulated region, and an address or subnet anywhere", async () => {
    for (const [name, text] of [
      ['sim-name.yaml', experiment('{ type: sim, topology: topology.yaml }', 'tokyo')],
      ['aws-subnet.yaml', experiment('{ type: aws, region: us-east-1, allowedAccountIds: ["123456789012"] }', '{ name: tokyo, subnet: 203.0.113.0/24 }')],
    ] as const) {
      const r = await gameday(['validate', await tmp.write(name, text)]);
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    }
  });

  it('refuses a location the topology does not declare in one sentence listing the ones it does, exit 2', async () => {
    const file = await tmp.write('unknown.yaml', experiment('{ type: sim, topology: topology.yaml }', 'tokio'));
    const r = await gameday(['validate', file]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr.trim(),
      `error: ${file}:7:66 at probes[0].args.from: the simulated region has no client location 'tokio' (did you mean 'tokyo'?); it has tokyo, virginia`,
    );
  });

  it('refuses a bare location name outside the simulated region, saying to give an address or subnet, exit 2', async () => {
    const file = await tmp.write('aws-name.yaml', experiment('{ type: aws, region: us-east-1, allowedAccountIds: ["123456789012"] }', 'tokyo'));
    const r = await gameday(['validate', file]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr.trim(),
      /^error: \S+:\d+:\d+ at probes\[0\]\.args\.from: 'tokyo' names a client location of a simulated region, but environment\.type is aws; give from\.address and\/or from\.subnet$/,
    );
  });
});

describe('the live view of placed probes', () => {
  it('shows where each placed probe stands beside its name', () => {
    let written = '';
    const write = (s: string): boolean => {
      written += s;
      return true;
    };
    const out = { columns: 120, write } as unknown as NodeJS.WriteStream;
    const view = ttyView(out, performance.now(), 'placed', ['users-tokyo', 'users'], new Map([['users-tokyo', 'tokyo']]));
    view.close();
    assert.match(written, / users-tokyo from tokyo +waiting/);
    assert.match(written, / users +waiting/);
  });
});
