/**
 * FIS template conformance against moto_server 5.2.1: the templates `gameday fis export` writes (and `--via-fis`
 * creates for a run) are accepted by CreateExperimentTemplate and removed by DeleteExperimentTemplate. moto routes
 * only /experimentTemplates and /tags, so GetExperimentTemplate and the experiment lifecycle (StartExperiment…) are
 * not served: asserted here as moto's real behaviour, so the capability matrix notices when moto gains them. The
 * lifecycle is tested against the simulated region (test/sim/fis.test.ts, test/engine/fis.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateExperimentTemplateCommand,
  DeleteExperimentTemplateCommand,
  FisClient,
  GetExperimentTemplateCommand,
  StartExperimentCommand,
} from '@aws-sdk/client-fis';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { gameday } from '../support/cli.js';
import { MOTO_CREDENTIALS, MOTO_REGION, motoAvailability, startMoto, type Moto } from '../support/moto.js';

const availability = motoAvailability();
const skip = availability.status === 'skip' ? availability.reason : false;

describe('FIS experiment templates against moto_server', { skip }, () => {
  let moto: Moto;
  let fis: FisClient;
  before(async () => {
    if (availability.status === 'fail') throw new Error(availability.reason);
    moto = await startMoto();
    fis = new FisClient({ endpoint: moto.endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS, maxAttempts: 1 });
  });
  after(async () => {
    fis?.destroy();
    await moto?.close();
  });

  it('creates and deletes the templates gameday exports; get and start are not served by moto 5.2.1', async () => {
    for (const file of ['experiments/stop-half-fleet.yaml', 'experiments/az-outage.yaml', 'experiments/rds-failover.yaml']) {
      const exported = await gameday(['fis', 'export', file, '--role-arn', 'arn:aws:iam::123456789012:role/gameday-fis']);
      assert.equal(exported.code, 0, exported.stderr);
      const template = JSON.parse(exported.stdout) as Record<string, unknown>;
      const created = await fis.send(new CreateExperimentTemplateCommand({ ...template, clientToken: `gameday-${file}` } as never));
      const id = created.experimentTemplate?.id ?? '';
      assert.ok(id !== '', `${file}: moto returned no template id`);
      assert.deepEqual(Object.keys(created.experimentTemplate?.actions ?? {}), Object.keys(template.actions as object));
      assert.equal(created.experimentTemplate?.roleArn, 'arn:aws:iam::123456789012:role/gameday-fis');
      // Not routed by moto: its HTML 404 page does not parse as an FIS answer.
      await assert.rejects(fis.send(new GetExperimentTemplateCommand({ id })));
      await assert.rejects(fis.send(new StartExperimentCommand({ experimentTemplateId: id, clientToken: 'x' })));
      const deleted = await fis.send(new DeleteExperimentTemplateCommand({ id }));
      assert.equal(deleted.experimentTemplate?.id, id);
    }
  });

  it('reads the safety lever where moto has none as "not offered", through the same signed request', async () => {
    const aws = new AwsClientFactory({ kind: 'localstack', region: MOTO_REGION, endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS });
    try {
      const error = await aws.signedJson('fis', 'GetSafetyLever', { method: 'GET', path: '/safetyLevers/default' }).then(
        () => undefined,
        (e: unknown) => e as { name: string; $metadata: { httpStatusCode?: number } },
      );
      assert.equal(error?.name, 'UnknownOperationException');
      assert.equal(error?.$metadata.httpStatusCode, 404);
    } finally {
      await aws.destroy();
    }
  });
});
