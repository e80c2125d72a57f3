import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { awsTargetFor, SIM_CREDENTIALS } from '../../src/aws/target.js';
import { SimRegion } from '../../src/sim/server.js';
import { parseTopology } from '../../src/sim/topology.js';

const base: { allowedAccountIds: string[]; speed: number } = { allowedAccountIds: [], speed: 1 };

describe('where AWS calls go', () => {
  it('takes the region from the experiment, then AWS_REGION, then AWS_DEFAULT_REGION', () => {
    assert.equal(awsTargetFor({ ...base, type: 'aws', region: 'eu-west-1' }, { AWS_REGION: 'us-west-2' }).region, 'eu-west-1');
    assert.equal(awsTargetFor({ ...base, type: 'aws' }, { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'ap-south-1' }).region, 'us-west-2');
    assert.equal(awsTargetFor({ ...base, type: 'aws' }, { AWS_DEFAULT_REGION: 'ap-south-1' }).region, 'ap-south-1');
  });

  it('leaves credentials and endpoints of a live account to the SDK, and never gives sim or localstack the machine’s', () => {
    const live = awsTargetFor({ ...base, type: 'aws' }, { AWS_ACCESS_KEY_ID: 'AKIAREAL', AWS_SECRET_ACCESS_KEY: 'real' });
    assert.equal(live.credentials, undefined);
    assert.equal(live.endpoint, undefined);
    const sim = awsTargetFor(
      { ...base, type: 'sim' },
      { AWS_ACCESS_KEY_ID: 'AKIAREAL', AWS_SECRET_ACCESS_KEY: 'real' },
      { endpoint: 'http://127.0.0.1:1', region: 'us-east-1' },
    );
    assert.deepEqual(sim.credentials, SIM_CREDENTIALS);
    assert.equal(sim.endpoint, 'http://127.0.0.1:1');
    const ls = awsTargetFor({ ...base, type: 'localstack' }, {});
    assert.equal(ls.endpoint, 'http://localhost.localstack.cloud:4566');
    assert.deepEqual(ls.credentials, { accessKeyId: 'test', secretAccessKey: 'test' });
    assert.equal(awsTargetFor({ ...base, type: 'localstack' }, { AWS_ENDPOINT_URL: 'http://ls:4566' }).endpoint, 'http://ls:4566');
  });

  describe('against a running region', () => {
    let region: SimRegion;
    const saved = { ...process.env };
    before(async () => {
      region = await SimRegion.start({ topology: parseTopology({ accountId: '210987654321', launchTemplates: [{ name: 'lt' }] }) });
    });
    after(async () => {
      process.env = saved;
      await region.stop();
    });

    it('a live-account target follows AWS_ENDPOINT_URL_<SERVICE> and static credentials from the environment, as the SDK does', async () => {
      process.env.AWS_ENDPOINT_URL_STS = region.endpoint;
      process.env.AWS_ACCESS_KEY_ID = 'AKIDFROMENV';
      process.env.AWS_SECRET_ACCESS_KEY = 'from-env';
      const aws = new AwsClientFactory(awsTargetFor({ ...base, type: 'aws', region: 'us-east-1' }, process.env));
      try {
        const sts = await aws.sts();
        const me = await sts.send(new GetCallerIdentityCommand({}));
        assert.equal(me.Account, '210987654321');
        assert.ok(region.requests.some((r) => r.service === 'sts' && r.action === 'GetCallerIdentity'));
      } finally {
        await aws.destroy();
      }
    });
  });
});
