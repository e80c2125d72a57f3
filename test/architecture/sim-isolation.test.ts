import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { cruise, type IForbiddenRuleType } from 'dependency-cruiser';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const config = createRequire(import.meta.url)(`${root}.dependency-cruiser.cjs`) as {
  forbidden: IForbiddenRuleType[];
  options: { enhancedResolveOptions: Record<string, unknown> };
};

describe('the simulated region is isolated', () => {
  it('imports only its own code, src/core and packages (rule sim-isolated)', async () => {
    const rule = config.forbidden.find((r) => r.name === 'sim-isolated');
    assert.ok(rule !== undefined, '.dependency-cruiser.cjs declares the sim-isolated rule');
    const cwd = process.cwd();
    process.chdir(root);
    try {
      const result = await cruise(
        ['src/sim'],
        {
          validate: true,
          ruleSet: { forbidden: [rule] },
          doNotFollow: { path: 'node_modules' },
          tsPreCompilationDeps: true,
          // Packages that export only subpaths (pure-rand) resolve as the lint resolves them.
          enhancedResolveOptions: config.options.enhancedResolveOptions,
        },
        undefined,
        { tsConfig: { fileName: 'tsconfig.json' } },
      );
      assert.equal(typeof result.output, 'object');
      if (typeof result.output === 'string') return;
      const { modules, summary } = result.output;
      // The rule only means something if the sim's `.js` imports resolve to the `.ts` files they name.
      const workload = modules.find((m) => m.source === 'src/sim/workload.ts');
      assert.ok(
        workload?.dependencies.some((d) => d.resolved === 'src/core/clock.ts'),
        'src/sim/workload.ts resolves its import of src/core/clock',
      );
      const unresolved = modules.flatMap((m) => m.dependencies.filter((d) => d.couldNotResolve).map((d) => `${m.source} → ${d.module}`));
      assert.deepEqual(unresolved, []);
      assert.deepEqual(
        summary.violations.map((v) => `${v.from} → ${v.to}`),
        [],
      );
    } finally {
      process.chdir(cwd);
    }
  });
});
