import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientLocations } from '../../src/sim/clients.js';
import { parseTopology, placeholderOutputs } from '../../src/sim/topology.js';

const TOKYO = { name: 'tokyo', address: '127.77.0.1', subnet: '203.0.113.0/24', country: 'JP', continent: 'AS', latency: { 'ap-northeast-1': 8 } };
const BERLIN = { name: 'berlin', address: '127.77.0.2', country: 'DE', continent: 'EU', latency: { 'eu-central-1': 6, 'us-east-1': 90 } };

describe('client locations of a topology', () => {
  it('finds a client by the address it sends from, or by the client subnet its resolver names, before its address', () => {
    const t = parseTopology({ launchTemplates: [{ name: 'lt' }], clients: [TOKYO, BERLIN] });
    const clients = new ClientLocations(t.clients);
    assert.equal(clients.fromAddress('127.77.0.2')?.name, 'berlin');
    assert.equal(clients.fromAddress('::ffff:127.77.0.1')?.name, 'tokyo');
    assert.equal(clients.fromAddress('127.0.0.1'), undefined);
    assert.equal(clients.fromClientSubnet('203.0.113.77')?.name, 'tokyo');
    assert.equal(clients.fromClientSubnet('198.51.100.1'), undefined);
    // A resolver in Berlin asking for a Tokyo subnet is answered for Tokyo, as Route 53 answers by the client subnet.
    assert.equal(clients.ofQuestion('127.77.0.2', '203.0.113.9')?.name, 'tokyo');
    assert.equal(clients.ofQuestion('127.77.0.2', undefined)?.name, 'berlin');
    const berlin = clients.fromAddress('127.77.0.2');
    assert.ok(berlin !== undefined);
    assert.equal(ClientLocations.latency(berlin, 'us-east-1'), 90);
    assert.equal(ClientLocations.latency(berlin, 'ap-northeast-1'), undefined);
  });

  it('offers each location as outputs, and refuses a shared address, a twice-declared name and 127.0.0.1 in one sentence', () => {
    const out = placeholderOutputs(parseTopology({ launchTemplates: [{ name: 'lt' }], clients: [TOKYO, BERLIN] }));
    assert.equal(out['client.tokyo.address'], '127.77.0.1');
    assert.equal(out['client.tokyo.subnet'], '203.0.113.0/24');
    assert.equal(out['client.berlin.subnet'], undefined);
    assert.throws(
      () => parseTopology({ launchTemplates: [{ name: 'lt' }], clients: [TOKYO, { ...BERLIN, address: TOKYO.address }] }),
      /^Error: topology: client locations 'tokyo' and 'berlin' share address 127\.77\.0\.1; each needs its own\.$/,
    );
    assert.throws(() => parseTopology({ launchTemplates: [{ name: 'lt' }], clients: [TOKYO, TOKYO] }), /client location 'tokyo' is declared twice/);
    assert.throws(
      () => parseTopology({ launchTemplates: [{ name: 'lt' }], clients: [{ ...TOKYO, address: '127.0.0.1' }] }),
      /clients\.0\.address: 127\.0\.0\.1 is every unplaced client/,
    );
    assert.throws(
      () => parseTopology({ launchTemplates: [{ name: 'lt' }], clients: [{ ...TOKYO, subnet: '203.0.113.0' }] }),
      /clients\.0\.subnet: an IPv4 CIDR/,
    );
  });
});
