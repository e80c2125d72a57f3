#!/usr/bin/env node
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
// The AWS SDK warns on every start that future releases will need Node 22; gameday supports Node 20 and pins the
// SDK, so that notice is noise in a live view and in CI logs.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  if (type === 'NodeVersionSupportWarning' || String(warning).includes('NodeVersionSupportWarning')) return;
  emitWarning(warning, ...rest);
};
const { main } = await import('../dist/cli/gameday.js');

process.exitCode = await main(process.argv.slice(2));
