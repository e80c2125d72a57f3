/**
 * Child process of the sim benchmark: boots a region of N instances at a given speed, waits until every instance is
 * InService and healthy behind the ALB, and prints {bootMs, rssMb} as JSON. A separate process, so RSS is the region's.
 */
import { SimRegion } from '../src/sim/server.js';
import { parseTopology } from '../src/sim/topology.js';

const instances = Number(process.argv[2] ?? '100');
const speed = Number(process.argv[3] ?? '60');
const started = performance.now();
const topology = parseTopology({
  launchTemplates: [{ name: 'web-lt' }],
  loadBalancers: [{ name: 'web-alb', targetGroup: { name: 'web-tg', healthCheck: { path: '/health' } } }],
  autoScalingGroups: [
    { name: 'web-asg', launchTemplate: 'web-lt', min: instances, max: instances, desired: instances, healthCheckType: 'ELB', targetGroups: ['web-tg'] },
  ],
});
const region = await SimRegion.start({ topology, speed });
await region.world.ready(60_000);
const bootMs = performance.now() - started;
global.gc?.();
const rssMb = process.memoryUsage().rss / 1024 / 1024;
process.stdout.write(`${JSON.stringify({ bootMs, rssMb, instances: region.world.instances.size })}\n`);
await region.stop();
