import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SimWorld } from '../../src/sim/region.js';
import { loadTopology } from '../../src/sim/topology.js';

/**
 * A simulated region's addresses are 127.<net>.x.y. Two regions on one machine (test files run side by side) that drew
 * the same octet would share instance addresses, and one's instance would answer for the other's stopped one.
 */
describe("a simulated region's loopback octet", () => {
  it('is claimed on the machine while the region runs: a second region drawing the same one takes another, and it is free again once the first stops', async () => {
    const topology = await loadTopology(undefined);
    const first = new SimWorld(topology, 100, { net: 77 });
    const second = new SimWorld(topology, 100, { net: 77 });
    const third = new SimWorld(topology, 100, { net: 77 });
    await first.start();
    try {
      await second.start();
      try {
        assert.equal(first.net, 77);
        assert.notEqual(second.net, 77);
        const addresses = (w: SimWorld): string[] => [...w.instances.values()].map((i) => i.spec.privateIp);
        assert.ok(addresses(first).length > 0);
        for (const a of addresses(second)) assert.ok(!addresses(first).includes(a), `${a} is the first region's too`);
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop();
    }
    await third.start();
    try {
      assert.equal(third.net, 77, 'the octet is free once the region holding it stopped');
    } finally {
      await third.stop();
    }
  });
});
