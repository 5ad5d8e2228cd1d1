import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { round } from './stats';

/**
 * Part 6: what each large dependency costs the bot process. Each one is loaded alone into a
 * fresh Node (with production's options) and its resident and live-heap growth over a bare
 * Node is noted; the last row is the compiled product's whole module graph in tenant mode.
 */

export interface DependencyCost {
  module: string;
  /** When the bot loads it. */
  loaded: string;
  rssMb: number;
  heapMb: number;
}

const ROOT = join(__dirname, '..');
const SERVE_NODE_OPTIONS = (require('../package.json') as { scripts: { serve: string } }).scripts.serve.split(' ').slice(1, -1);

const MODULES: { module: string; loaded: string }[] = [
  { module: 'botbuilder', loaded: 'always' },
  { module: '@microsoft/teams-ai', loaded: 'always (its Application pulls in botbuilder-dialogs and the AI planner code)' },
  { module: 'botbuilder-dialogs', loaded: 'always, through teams-ai' },
  { module: '@azure/identity', loaded: 'always' },
  { module: '@microsoft/microsoft-graph-client', loaded: 'always' },
  { module: 'adaptivecards-templating', loaded: 'always' },
  { module: 'restify', loaded: 'always' },
  { module: 'undici', loaded: 'always' },
  { module: '@azure/storage-blob', loaded: 'only with STATE_ACCOUNT_URL or AZURE_STORAGE_CONNECTION_STRING' },
  { module: './dist/simulator', loaded: 'only in demo mode' },
  { module: './dist/product', loaded: 'the bot, tenant mode, file store' },
];

const PROBE = `
const base = () => { global.gc(); return process.memoryUsage(); };
const before = base();
require(process.argv[1]);
setTimeout(() => { const after = base(); console.log(JSON.stringify({ rss: after.rss - before.rss, heap: after.heapUsed - before.heapUsed })); }, 200);
`;

/** Needs dist/ (npm run build). */
export function measureDependencies(): DependencyCost[] {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  return MODULES.map(({ module, loaded }) => {
    const samples = [0, 1, 2].map(() => {
      const out = execFileSync(process.execPath, [...SERVE_NODE_OPTIONS, '--expose-gc', '-e', PROBE, module], { cwd: ROOT, encoding: 'utf8' });
      return JSON.parse(out.trim().split('\n').at(-1)!) as { rss: number; heap: number };
    });
    const middle = (values: number[]) => [...values].sort((a, b) => a - b)[1];
    return { module, loaded, rssMb: mb(middle(samples.map((s) => s.rss))), heapMb: mb(middle(samples.map((s) => s.heap))) };
  });
}

const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);
