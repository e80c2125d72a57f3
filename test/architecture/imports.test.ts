import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { cruise, type IConfiguration, type ICruiseResult } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

// dist/test/architecture/ → the repository, whose src/ (TypeScript, not the build) is what the rules are about.
const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('imports', () => {
  it('follow the layers and form no cycle (.dependency-cruiser.cjs)', async () => {
    const config = createRequire(import.meta.url)(join(root, '.dependency-cruiser.cjs')) as IConfiguration;
    const cwd = process.cwd();
    process.chdir(root);
    let result: ICruiseResult;
    try {
      const reported = await cruise(
        ['src'],
        { ...config.options, ruleSet: { forbidden: config.forbidden ?? [] }, validate: true, tsPreCompilationDeps: true },
        undefined,
        { tsConfig: extractTSConfig(join(root, 'tsconfig.json')) },
      );
      assert.equal(typeof reported.output, 'object');
      result = reported.output as ICruiseResult;
    } finally {
      process.chdir(cwd);
    }
    assert.ok(result.summary.totalCruised > 100, `only ${result.summary.totalCruised} modules were cruised: is src/ where the test expects it?`);
    const violations = result.summary.violations.filter((v) => v.rule.severity !== 'ignore');
    const lines = violations.map(
      (v) => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle === undefined ? '' : ` (cycle: ${v.cycle.map((c) => c.name).join(' → ')})`}`,
    );
    assert.deepEqual(lines, [], `import rules broken:\n${lines.join('\n')}`);
  });
});
