/**
 * Loaded by .mocharc.quick.json only: `npm run test:quick` runs in-process tests, so any
 * attempt to start a process fails the test that made it, saying where such a test belongs.
 */
const STARTERS = ['spawn', 'spawnSync', 'fork', 'exec', 'execSync', 'execFile', 'execFileSync'] as const;

// The module object itself (an `import *` would give a copy), so every later caller sees the change.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const childProcess = require('node:child_process') as Record<string, unknown>;
for (const name of STARTERS) {
  childProcess[name] = (command: unknown) => {
    throw new Error(
      `npm run test:quick starts no processes, but a test called child_process.${name}(${JSON.stringify(String(command))}). ` +
        'Tests that start processes belong in test/process/ (or test/multi/, test/store/ with Azurite), which npm test runs.',
    );
  };
}

export {};
