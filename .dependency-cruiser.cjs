// Import rules of gameday's layers (docs/architecture.md): cli → orchestrator → engine → actions/probes → aws, and the
// simulated region as a world of its own. test/architecture/imports.test.ts checks src against these on every test run.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Files that import each other cannot be understood, tested or moved one at a time.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'cli-imported-by-nothing',
      severity: 'error',
      comment: 'The CLI is the top layer: what another layer needs from it belongs in that layer.',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'orchestrator-above-engine',
      severity: 'error',
      comment: 'The queue and its workers drive runs; nothing a run is made of may reach back up to them.',
      from: { path: '^src/(engine|actions|probes|aws|registry|safety|experiment|report|core|errors|architecture|audit)/' },
      to: { path: '^src/orchestrator/' },
    },
    {
      name: 'engine-above-definitions',
      severity: 'error',
      comment: 'Actions and probes are run by the engine, never the other way round.',
      from: { path: '^src/(actions|probes|aws|registry|safety|experiment|core|errors)/' },
      to: { path: '^src/engine/' },
    },
    {
      name: 'definitions-above-aws',
      severity: 'error',
      comment: 'The AWS client layer serves actions and probes and knows none of them.',
      from: { path: '^src/(aws|core|errors)/' },
      to: { path: '^src/(actions|probes|registry|engine|safety)/' },
    },
    {
      name: 'audit-judges-what-is-read',
      severity: 'error',
      comment:
        'The architecture reader (src/architecture) reads AWS through src/aws and knows nothing of the audit; the audit judges an architecture and writes experiments, and runs none itself (the CLI proves them through the engine).',
      from: { path: '^src/architecture/' },
      to: { path: '^src/(audit|engine|actions|probes|registry|safety|report)/' },
    },
    {
      name: 'audit-runs-nothing',
      severity: 'error',
      comment: 'Findings are a pure function of an architecture: the audit never calls AWS or runs an experiment.',
      from: { path: '^src/audit/' },
      to: { path: '^src/(engine|aws|actions|probes)/' },
    },
    {
      name: 'sim-reached-only-by-cli-hosting',
      severity: 'error',
      comment: 'The simulated region is reached over HTTP through the AWS SDK; only the CLI, which hosts it, imports it.',
      from: { path: '^src/', pathNot: '^src/(sim|cli)/' },
      to: { path: '^src/sim/' },
    },
    {
      name: 'sim-isolated',
      comment:
        'The simulated region is a separate world that gameday reaches only over HTTP: it may import its own code, src/core and packages, never gameday\'s reading of AWS (src/experiment, src/actions, …), so a misreading on one side cannot hide in the other.',
      severity: 'error',
      from: { path: '^src/sim/' },
      to: { pathNot: '^(src/sim/|src/core/)|(^|/)node_modules/', dependencyTypesNot: ['core'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Packages that export only subpaths (pure-rand) resolve through their "exports" map, as Node resolves them.
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
