#!/usr/bin/env node
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
const { main } = await import('../dist/cli/gameday.js');

process.exitCode = await main(process.argv.slice(2));
