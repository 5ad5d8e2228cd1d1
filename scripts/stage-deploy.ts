/**
 * Lays out what App Service runs: `npm run stage:deploy` (after `npm run build`) copies the
 * compiled app (dist/), the card templates it reads at run time (cards/) and the package files
 * into build/deploy/. The Agents Toolkit's deploy (m365agents.yml) then installs the production
 * dependencies there with `npm ci --omit=dev` and zip-deploys the folder, so no test tool,
 * TypeScript or Agents Playground reaches the server.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const STAGED = ['dist', 'cards', 'package.json', 'package-lock.json'] as const;
/** The production entry point, as infra/azure.bicep starts it (appCommandLine). */
export const ENTRY = 'dist/index.js';

/** Copies the runtime files from `root` into `out` (emptied first); returns what it copied. */
export function stageDeployment(root: string, out: string): string[] {
  if (!fs.existsSync(path.join(root, ENTRY))) {
    throw new Error(`${ENTRY} is missing: run \`npm run build\` first`);
  }
  const missing = STAGED.filter((name) => !fs.existsSync(path.join(root, name)));
  if (missing.length) throw new Error(`missing from the project: ${missing.join(', ')}`);
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  for (const name of STAGED) fs.cpSync(path.join(root, name), path.join(out, name), { recursive: true });
  return [...STAGED];
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  const out = path.join(root, 'build', 'deploy');
  try {
    const staged = stageDeployment(root, out);
    console.log(`Staged ${staged.join(', ')} in ${path.relative(root, out)}; next: npm ci --omit=dev there, then zip-deploy it.`);
  } catch (error) {
    console.error(`stage:deploy: ${(error as Error).message}`);
    process.exit(1);
  }
}
