import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { launchTemplateDrift, resolveVersion, type TemplateVersions } from '../../src/architecture/drift.js';

/** Three versions: 1 and 2 on one AMI (2 changes the type), 3 on another; 2 is the default. */
const LT: TemplateVersions = {
  defaultVersion: 2,
  latestVersion: 3,
  versions: [
    { number: 1, imageId: 'ami-old', instanceType: 't3.micro' },
    { number: 2, imageId: 'ami-old', instanceType: 't3.small' },
    { number: 3, imageId: 'ami-new', instanceType: 't3.small' },
  ],
};

describe('launch template drift', () => {
  it('resolves $Latest, $Default, an absent reference and numbers as Auto Scaling reads them', () => {
    assert.equal(resolveVersion(LT, '$Latest')?.number, 3);
    assert.equal(resolveVersion(LT, '$Default')?.number, 2);
    assert.equal(resolveVersion(LT, undefined)?.number, 2);
    assert.equal(resolveVersion(LT, '1')?.number, 1);
    assert.equal(resolveVersion(LT, '9'), undefined);
  });

  it('names the instances on another version or AMI, with the version and AMI each runs', () => {
    const d = launchTemplateDrift(LT, '$Latest', [
      { id: 'i-new', launchTemplateVersion: '3', imageId: 'ami-new' },
      { id: 'i-old', launchTemplateVersion: '1', imageId: 'ami-old' },
      { id: 'i-edited', launchTemplateVersion: '3', imageId: 'ami-hand-made' },
      { id: 'i-unknown-ami', launchTemplateVersion: '3' },
    ]);
    assert.equal(d?.wanted.number, 3);
    assert.deepEqual(d?.drifted, [
      { id: 'i-old', version: 1, imageId: 'ami-old' },
      { id: 'i-edited', version: 3, imageId: 'ami-hand-made' },
    ]);
  });

  it('has nothing to compare when the group names a version the template lacks', () => {
    assert.equal(launchTemplateDrift(LT, '7', [{ id: 'i-1', launchTemplateVersion: '1' }]), undefined);
  });

  it('never flags an instance that runs exactly the wanted version and its AMI, and flags every other version', () => {
    const version = fc.integer({ min: 1, max: 3 });
    const instance = fc.record({ id: fc.string({ minLength: 1 }), v: version, ownAmi: fc.boolean() });
    fc.assert(
      fc.property(fc.constantFrom('$Latest', '$Default', '1', '2', '3'), fc.array(instance, { maxLength: 8 }), (groupVersion, fleet) => {
        const wanted = resolveVersion(LT, groupVersion);
        assert.ok(wanted !== undefined);
        const candidates = fleet.map((i) => ({
          id: i.id,
          launchTemplateVersion: String(i.v),
          imageId: i.ownAmi ? LT.versions[i.v - 1]?.imageId : 'ami-elsewhere',
        }));
        const d = launchTemplateDrift(LT, groupVersion, candidates);
        const expected = fleet.filter((i) => i.v !== wanted.number || !i.ownAmi).map((i) => i.id);
        assert.deepEqual(
          d?.drifted.map((x) => x.id),
          expected,
        );
        for (const x of d?.drifted ?? []) assert.ok(x.version !== wanted.number || x.imageId !== wanted.imageId);
      }),
    );
  });
});
