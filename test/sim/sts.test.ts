import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GetCallerIdentityCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { referenceWith, sdkError, startSim } from '../support/sim.js';

describe('STS GetCallerIdentity', () => {
  it("returns the topology's account id", async () => {
    const sim = await startSim({ topology: referenceWith((t) => Object.assign(t, { accountId: '210987654321' })), speed: 100 });
    try {
      const id = await sim.sts.send(new GetCallerIdentityCommand({}));
      assert.equal(id.Account, '210987654321');
      assert.match(id.Arn ?? '', /^arn:aws:iam::210987654321:/);
      assert.ok((id.UserId ?? '').length > 0);
      // The same account owns the EC2 reservations and appears in the ARNs.
      assert.equal(sim.outputs['region.accountId'], '210987654321');
      assert.match(sim.outputs['alb.web-alb.arn'] ?? '', /:210987654321:loadbalancer\//);
      // Other STS actions are not served: an error, not a crash.
      const e = await sdkError(sim.sts.send(new GetSessionTokenCommand({})));
      assert.equal(e.$metadata?.httpStatusCode, 400);
      assert.equal(e.$fault, 'client');
      assert.equal((await sim.sts.send(new GetCallerIdentityCommand({}))).Account, '210987654321');
    } finally {
      await sim.close();
    }
  });

  it('defaults to account 123456789012 on the reference topology', async () => {
    const sim = await startSim({ speed: 100, ready: false });
    try {
      assert.equal((await sim.sts.send(new GetCallerIdentityCommand({}))).Account, '123456789012');
    } finally {
      await sim.close();
    }
  });
});
