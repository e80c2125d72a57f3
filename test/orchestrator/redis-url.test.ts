import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GamedayError } from '../../src/errors/gameday-error.js';
import { Keys } from '../../src/orchestrator/keys.js';
import { displayUrl, parseRedisUrl } from '../../src/orchestrator/redis-connection.js';

const refusal = (url: string): string => {
  try {
    parseRedisUrl(url);
  } catch (error) {
    assert.ok(error instanceof GamedayError);
    assert.equal(error.exitCode, 2);
    return error.message;
  }
  throw new Error(`${url} was accepted`);
};

describe('Redis URLs', () => {
  it('reads one server, a Sentinel group and a cluster', () => {
    assert.deepEqual(parseRedisUrl('redis://127.0.0.1:6380/2'), { kind: 'single', url: 'redis://127.0.0.1:6380/2' });
    assert.deepEqual(parseRedisUrl('redis+sentinel://app:s%40cret@s1:26379,s2,[::1]:26380/mymaster/3?sentinelPassword=sp'), {
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'mymaster',
      tls: false,
      db: 3,
      username: 'app',
      password: 's@cret',
      sentinelPassword: 'sp',
    });
    assert.deepEqual(parseRedisUrl('rediss+cluster://:pw@n1:7000,n2:7001'), {
      kind: 'cluster',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
      ],
      tls: true,
      password: 'pw',
    });
    const dbInQuery = parseRedisUrl('redis+sentinel://s1/mymaster?db=1');
    assert.equal(dbInQuery.kind === 'sentinel' ? dbInQuery.db : undefined, 1);
  });

  it('refuses a bad URL in one sentence naming what is wrong', () => {
    const forms = '(expected redis://host:port, redis+sentinel://host:26379,host:26379/primary-name or redis+cluster://host:7000,host:7001).';
    assert.equal(refusal('http://redis:6379'), `'http://redis:6379' is not a Redis URL: its scheme 'http' is not one of them ${forms}`);
    assert.equal(
      refusal('redis+sentinel://s1:26379'),
      `'redis+sentinel://s1:26379' is not a Redis URL: it does not name the primary after the Sentinels (…/mymaster) ${forms}`,
    );
    assert.equal(
      refusal('redis+cluster://n1:70000'),
      `'redis+cluster://n1:70000' is not a Redis URL: the port of 'n1:70000' is not between 1 and 65535 ${forms}`,
    );
    assert.equal(
      refusal('redis+cluster://n1:7000/1'),
      `'redis+cluster://n1:7000/1' is not a Redis URL: a cluster URL has no path (a cluster has one database) ${forms}`,
    );
    assert.equal(
      refusal('redis+sentinel://:pw@s1/mymaster?sentinelPasword=x'),
      `'redis+sentinel://:***@s1/mymaster?sentinelPasword=x' is not a Redis URL: the sentinel form has no option 'sentinelPasword' ${forms}`,
    );
  });

  it('hides passwords in messages', () => {
    assert.equal(displayUrl('redis://u:secret@h:6379'), 'redis://u:***@h:6379');
    assert.equal(displayUrl('redis+sentinel://u:secret@s1,s2/m?sentinelPassword=sp'), 'redis+sentinel://u:***@s1,s2/m?sentinelPassword=***');
  });

  it("finds a prefix's hash tag as Redis Cluster does", () => {
    assert.equal(new Keys('{gameday}').hashTag, 'gameday');
    assert.equal(new Keys('team-{a}.x').hashTag, 'a');
    assert.equal(new Keys('gameday').hashTag, undefined);
    assert.equal(new Keys('x{}{y}').hashTag, undefined, 'an empty first tag hashes the whole key');
  });
});
