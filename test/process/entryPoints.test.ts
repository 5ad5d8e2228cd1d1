import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DEMO_IDS } from '../../src/simulator';
import { runToExit } from '../support/processes';

/** The real entry points, run as a person runs them: `src/index.ts` and `scripts/package.ts`. */

const ROOT = join(__dirname, '..', '..');

describe('entry points as processes', () => {
  it('the product refuses to start in tenant mode without BOT_ID, naming it', async () => {
    const run = await runToExit(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'index.ts')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        PORT: '0',
        AZURE_CLIENT_ID: randomUUID(),
        AZURE_TENANT_ID: randomUUID(),
        AZURE_CLIENT_SECRET: 'graph-secret',
        OPERATOR_GROUP_ID: DEMO_IDS.operatorsGroup,
        APPROVER_GROUP_ID: DEMO_IDS.approversGroup,
      },
    });
    assert.equal(run.status, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /Configuration error: BOT_ID: required in tenant mode/);
  });

  it('the package script exits with code 1 when the env file is missing, saying which', async () => {
    const run = await runToExit(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'package.ts'), '--env', 'no-such-env-for-tests'], { cwd: ROOT });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /No environment file env\/\.env\.no-such-env-for-tests/);
  });
});
