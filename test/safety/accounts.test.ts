import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeAccount } from '../../src/safety/accounts.js';

const operator = { name: 'GAMEDAY_ALLOWED_ACCOUNT_IDS', ids: ['111111111111'] };
const experiment = { name: 'allowedAccountIds', ids: ['111111111111', '222222222222'] };

test('an account every non-empty list names is allowed, by those lists', () => {
  assert.deepEqual(judgeAccount('111111111111', [operator, experiment]), { allowed: true, allowedBy: ['GAMEDAY_ALLOWED_ACCOUNT_IDS', 'allowedAccountIds'] });
});

test('the first list that leaves an account out refuses it, whatever the later lists say', () => {
  assert.deepEqual(judgeAccount('222222222222', [operator, experiment]), { allowed: false, refusedBy: operator });
  assert.deepEqual(judgeAccount('333333333333', [{ name: 'none', ids: [] }, experiment]), { allowed: false, refusedBy: experiment });
});

test('empty lists allow any account, and an account STS did not give is in no list', () => {
  assert.deepEqual(judgeAccount('333333333333', [{ name: 'a', ids: [] }]), { allowed: true, allowedBy: [] });
  assert.deepEqual(judgeAccount(undefined, [{ name: 'a', ids: [] }]), { allowed: true, allowedBy: [] });
  assert.equal(judgeAccount(undefined, [experiment]).allowed, false);
});
