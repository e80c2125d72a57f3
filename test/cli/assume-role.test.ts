import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gameday, ROOT, tempDir } from '../support/cli.js';

/** terminate-one-instance.yaml acting through a role, with the given account allow-list. */
async function withRole(roleArn: string, allowed: string): Promise<string> {
  const text = await readFile(join(ROOT, 'experiments', 'terminate-one-instance.yaml'), 'utf8');
  const out = text.replace(/environment:\n {2}type: sim\n/, `environment:\n  type: sim\n  roleArn: ${roleArn}\n  allowedAccountIds: ["${allowed}"]\n`);
  assert.notEqual(out, text, 'test setup: environment block not found');
  return out;
}

describe('assuming a role for a run', () => {
  it('acts as the role with a session named after the run, and the account guard checks the role’s account', async () => {
    const tmp = await tempDir();
    try {
      const same = await tmp.write('same.yaml', await withRole('arn:aws:iam::123456789012:role/gameday-chaos', '123456789012'));
      const plan = await gameday(['plan', same, '--json'], { timeoutMs: 60_000 });
      assert.equal(plan.code, 0, plan.stderr);
      const account = (JSON.parse(plan.stdout) as { guards: { guard: string; detail: string }[] }).guards.find((g) => g.guard === 'account');
      assert.match(account?.detail ?? '', /account 123456789012 is allowed as arn:aws:sts::123456789012:assumed-role\/gameday-chaos\/gameday-plan-/);

      // A role in another account than the allowed one: refused before anything changes, naming both.
      const other = await tmp.write('other.yaml', await withRole('arn:aws:iam::210987654321:role/gameday-chaos', '123456789012'));
      const refused = await gameday(['plan', other], { timeoutMs: 60_000 });
      assert.equal(refused.code, 5, refused.stderr);
      assert.match(
        refused.stdout,
        /REFUSED account: the credentials belong to account 210987654321 as arn:aws:sts::210987654321:assumed-role\/gameday-chaos\/gameday-plan-\S+, which is not in allowedAccountIds \(123456789012\)/,
      );
      // The operator's own allow-list on this machine: an experiment file cannot widen it.
      const pinned = await gameday(['plan', same], { timeoutMs: 60_000, env: { GAMEDAY_ALLOWED_ACCOUNT_IDS: '111111111111, 222222222222' } });
      assert.equal(pinned.code, 5, pinned.stderr);
      assert.match(pinned.stdout, /which is not in the operator's allow-list GAMEDAY_ALLOWED_ACCOUNT_IDS \(111111111111, 222222222222\)/);
    } finally {
      await tmp.cleanup();
    }
  });
});
