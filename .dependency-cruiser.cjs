/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
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
  },
};
