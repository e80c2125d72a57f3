// Regenerates infra/iam/gameday-policy.json and the policy inside infra/iam/gameday-role.yaml from `gameday policy`
// (run after `npm run build`, whenever an action's or probe's permissions change; test/infra/iam-policy.test.ts checks
// both are current).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
const json = execFileSync(process.execPath, [`${root}bin/gameday.js`, 'policy'], { encoding: 'utf8' });
writeFileSync(`${root}infra/iam/gameday-policy.json`, json);

const rolePath = `${root}infra/iam/gameday-role.yaml`;
const role = readFileSync(rolePath, 'utf8');
const block = /^( *)# BEGIN gameday policy.*\n(?:.*\n)*?\1# END gameday policy\n/m;
const match = block.exec(role);
if (match === null) throw new Error(`${rolePath} has no '# BEGIN gameday policy' … '# END gameday policy' block.`);
const indent = match[1];
const [begin] = match[0].split('\n');
const body = stringify(JSON.parse(json), { lineWidth: 0, version: '1.1' })
  .trimEnd()
  .split('\n')
  .map((line) => indent + line)
  .join('\n');
writeFileSync(rolePath, role.replace(block, `${begin}\n${body}\n${indent}# END gameday policy\n`));
console.log('infra/iam/gameday-policy.json and infra/iam/gameday-role.yaml are current.');
