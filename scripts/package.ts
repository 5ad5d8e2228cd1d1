/**
 * Builds the Teams app package: `npm run package [-- --env <name>]`.
 *
 * Reads env/.env.<name> (then env/.env.<name>.user, then the process environment),
 * fills every ${{NAME}} placeholder in appPackage/manifest.json, regenerates the bot's
 * commandLists from the command registry, validates the result and the icons, and
 * writes build/appPackage.<name>.zip holding manifest.json, color.png and outline.png.
 *
 * `npm run package -- --write-manifest` only rewrites the committed manifest's
 * commandLists from the registry (run it after adding or renaming a command).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { ZipFile } from 'yazl';
import { COMMANDS, type CommandSpec } from '../src/core/commands';

export const PROJECT_ROOT = path.resolve(__dirname, '..');
export const DEFAULT_APP_PACKAGE_DIR = path.join(PROJECT_ROOT, 'appPackage');
export const DEFAULT_ENV_DIR = path.join(PROJECT_ROOT, 'env');
export const DEFAULT_OUT_DIR = path.join(PROJECT_ROOT, 'build');
export const MANIFEST_FILE = 'manifest.json';

/** The scopes the bot is installed in; the command menu gets one list per scope. */
export const BOT_SCOPES = ['personal', 'team', 'groupChat'] as const;

/**
 * Limits the package enforces. Names and descriptions follow the manifest schema; the
 * command menu keeps the stricter limits of schema versions before 1.24 (title 32,
 * description 128, 10 commands per list), which newer versions still accept.
 */
export const LIMITS = {
  shortName: 30,
  fullName: 100,
  shortDescription: 80,
  fullDescription: 4000,
  developerName: 32,
  commandTitle: 32,
  commandDescription: 128,
  commandsPerList: 10,
} as const;

export const ICONS = {
  color: { file: 'color.png', size: 192 },
  outline: { file: 'outline.png', size: 32 },
} as const;

/** Variables whose value may legitimately be empty (a production build has no suffix). */
const MAY_BE_EMPTY = new Set(['APP_NAME_SUFFIX']);

/** What to tell someone who has not set a variable yet. */
const HINTS: Record<string, string> = {
  TEAMS_APP_ID:
    'the Teams app id: a GUID you generate once per environment and then keep, e.g. node -e "console.log(crypto.randomUUID())"',
  BOT_ID: "the Azure Bot's Microsoft App ID (a GUID, shown under the bot resource's Configuration)",
  BOT_DOMAIN: 'the host name that serves /api/messages, without https:// or a path, e.g. recyclebin.contoso.com',
  APP_NAME_SUFFIX: 'appended to the app name, e.g. " (dev)"; set it empty (APP_NAME_SUFFIX=) for production',
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NIL_GUID = '00000000-0000-0000-0000-000000000000';
const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
/** A fixed timestamp for the zip entries, so rebuilding unchanged inputs gives the same zip (zip times are local time). */
const ZIP_MTIME = new Date(Date.UTC(2024, 0, 1, 0, 0, 0));

/** Every problem found, so one run reports all of them. */
export class PackageError extends Error {
  constructor(
    readonly summary: string,
    readonly problems: string[] = [],
  ) {
    super(problems.length ? `${summary}\n${problems.map((p) => `  - ${p}`).join('\n')}` : summary);
    this.name = 'PackageError';
  }
}

export interface CommandMenuEntry {
  title: string;
  description: string;
}

export interface CommandList {
  scopes: string[];
  commands: CommandMenuEntry[];
}

type CommandSource = Pick<CommandSpec, 'name' | 'description' | 'inMenu'>;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function truncate(text: string, max: number): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  return clean.length <= max ? clean : `${clean.slice(0, max - 1).trimEnd()}…`;
}

/** The manifest's commandLists, generated from the command registry. */
export function commandListsFromRegistry(commands: readonly CommandSource[] = COMMANDS): CommandList[] {
  const tooLong = commands.filter((c) => c.name.length > LIMITS.commandTitle);
  if (tooLong.length) {
    throw new PackageError(
      'Command names must fit the Teams command menu:',
      tooLong.map((c) => `"${c.name}" is ${c.name.length} characters; the limit is ${LIMITS.commandTitle}`),
    );
  }
  const menu = menuCommands(commands).slice(0, LIMITS.commandsPerList).map((c) => ({
    title: c.name,
    description: truncate(c.description, LIMITS.commandDescription),
  }));
  return BOT_SCOPES.map((scope) => ({ scopes: [scope], commands: menu.map((m) => ({ ...m })) }));
}

/** Commands the Teams menu cannot show because a list holds at most 10. */
export function commandsLeftOffMenu(commands: readonly CommandSource[] = COMMANDS): string[] {
  return menuCommands(commands).slice(LIMITS.commandsPerList).map((c) => c.name);
}

/** Commands meant for the menu, in registry order (some are only reached from cards). */
function menuCommands(commands: readonly CommandSource[]): readonly CommandSource[] {
  return commands.filter((c) => c.inMenu !== false);
}

// ---------------------------------------------------------------------------------
// Environment files

/** Parses KEY=VALUE lines: # comments, blank lines, optional `export`, quoted values. */
export function parseEnvFile(text: string, label = 'env file'): Record<string, string> {
  const values: Record<string, string> = {};
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) {
      problems.push(`${label} line ${index + 1}: expected KEY=VALUE, got "${line}"`);
      return;
    }
    const [, key, rest] = match;
    let value: string;
    const quote = rest[0];
    if (quote === '"' || quote === "'") {
      const end = rest.indexOf(quote, 1);
      if (end === -1) {
        problems.push(`${label} line ${index + 1}: ${key} has an opening ${quote} but no closing one`);
        return;
      }
      value = rest.slice(1, end);
      if (quote === '"') value = value.replace(/\\n/g, '\n');
    } else {
      value = rest.replace(/\s+#.*$/, '').trim();
    }
    values[key] = value;
  });
  if (problems.length) throw new PackageError(`Could not read ${label}:`, problems);
  return values;
}

export interface LoadedEnv {
  values: Record<string, string>;
  /** Where each value came from (a file path or "process environment"). */
  sources: Record<string, string>;
  files: string[];
}

function display(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

function checkEnvName(envName: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(envName)) {
    throw new PackageError(`"${envName}" is not an environment name: use letters, digits, - and _ (e.g. dev, prod).`);
  }
}

/**
 * env/.env.<name> is required; env/.env.<name>.user and the process environment
 * override it when they define a variable (an empty process variable is ignored).
 */
export function loadEnv(envName: string, envDir: string, processEnv: NodeJS.ProcessEnv, names: string[]): LoadedEnv {
  checkEnvName(envName);
  const base = path.join(envDir, `.env.${envName}`);
  if (!fs.existsSync(base)) {
    throw new PackageError(
      `No environment file ${display(base)}. Create it with the variables the manifest needs (${names.join(', ')}), or pick another one with --env <name>.`,
    );
  }
  const values: Record<string, string> = {};
  const sources: Record<string, string> = {};
  const files: string[] = [];
  for (const file of [base, `${base}.user`]) {
    if (!fs.existsSync(file)) continue;
    files.push(file);
    for (const [key, value] of Object.entries(parseEnvFile(fs.readFileSync(file, 'utf8'), display(file)))) {
      values[key] = value;
      sources[key] = display(file);
    }
  }
  for (const name of names) {
    const fromProcess = processEnv[name];
    if (fromProcess !== undefined && fromProcess !== '') {
      values[name] = fromProcess;
      sources[name] = 'process environment';
    }
  }
  return { values, sources, files };
}

// ---------------------------------------------------------------------------------
// Placeholders

function collectStrings(value: Json, into: string[]): void {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) value.forEach((v) => collectStrings(v, into));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => collectStrings(v, into));
}

/** The ${{NAME}} placeholders used anywhere in the manifest, in first-use order. */
export function placeholdersIn(manifest: Json): string[] {
  const strings: string[] = [];
  collectStrings(manifest, strings);
  const names = new Set<string>();
  for (const s of strings) for (const m of s.matchAll(PLACEHOLDER)) names.add(m[1]);
  return [...names];
}

function substitute(value: Json, values: Record<string, string>): Json {
  if (typeof value === 'string') return value.replace(PLACEHOLDER, (_, name: string) => values[name]);
  if (Array.isArray(value)) return value.map((v) => substitute(v, values));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, values)]));
  }
  return value;
}

/** Fills the placeholders inside string values (never in the JSON text, so quotes stay safe). */
export function fillPlaceholders(manifest: JsonObject, values: Record<string, string>, where?: string): JsonObject {
  const names = placeholdersIn(manifest);
  const missing = names.filter((n) => values[n] === undefined || (values[n].trim() === '' && !MAY_BE_EMPTY.has(n)));
  if (missing.length) {
    throw new PackageError(
      `Missing ${missing.length === 1 ? 'a value' : 'values'} for ${missing.join(', ')}${where ? ` (add ${missing.length === 1 ? 'it' : 'them'} to ${where})` : ''}:`,
      missing.map((n) => `${n}: ${HINTS[n] ?? 'used by appPackage/manifest.json'}`),
    );
  }
  return substitute(manifest, values) as JsonObject;
}

// ---------------------------------------------------------------------------------
// Validation

function get(obj: Json | undefined, ...keys: string[]): Json | undefined {
  let current: Json | undefined = obj;
  for (const key of keys) {
    if (!current || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** Checks a filled manifest; returns every problem found (empty when it is fine). */
export function validateManifest(manifest: JsonObject): string[] {
  const problems: string[] = [];
  const text = (keys: string[], label: string, max: number, required = true): string | undefined => {
    const value = get(manifest, ...keys);
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      problems.push(`${label} (${keys.join('.')}) is missing or empty`);
      return undefined;
    }
    if (value.length > max) problems.push(`${label} is ${value.length} characters; the limit is ${max}: "${value}"`);
    return value;
  };
  const guid = (keys: string[], variable: string): void => {
    const value = get(manifest, ...keys);
    if (typeof value !== 'string' || !GUID.test(value) || value === NIL_GUID) {
      problems.push(`${keys.join('.')} must be a GUID (from ${variable}), got "${String(value)}"`);
    }
  };
  const httpsUrl = (keys: string[]): void => {
    const value = get(manifest, ...keys);
    let ok = false;
    if (typeof value === 'string' && value.length <= 2048) {
      try {
        ok = new URL(value).protocol === 'https:';
      } catch {
        ok = false;
      }
    }
    if (!ok) problems.push(`${keys.join('.')} must be an https URL, got "${String(value)}"`);
  };

  const leftovers = placeholdersIn(manifest);
  const strings: string[] = [];
  collectStrings(manifest, strings);
  if (leftovers.length || strings.some((s) => s.includes('${{'))) {
    problems.push(`unfilled placeholders remain: ${leftovers.join(', ') || strings.filter((s) => s.includes('${{')).join(', ')}`);
  }

  const version = get(manifest, 'manifestVersion');
  if (typeof version !== 'string' || !/^1\.\d+$/.test(version)) {
    problems.push(`manifestVersion must be a released schema version like "1.27", got "${String(version)}"`);
  } else {
    const schema = get(manifest, '$schema');
    const expected = new RegExp(`^https://developer\\.microsoft\\.com/(en-us/)?json-schemas/teams/v${version.replace('.', '\\.')}/MicrosoftTeams\\.schema\\.json$`);
    if (typeof schema !== 'string' || !expected.test(schema)) {
      problems.push(`$schema must be the v${version} Teams schema URL to match manifestVersion, got "${String(schema)}"`);
    }
  }
  const appVersion = get(manifest, 'version');
  if (typeof appVersion !== 'string' || !/^\d+\.\d+\.\d+$/.test(appVersion)) {
    problems.push(`version must look like 1.0.0, got "${String(appVersion)}"`);
  }
  guid(['id'], 'TEAMS_APP_ID');

  text(['developer', 'name'], 'Developer name', LIMITS.developerName);
  httpsUrl(['developer', 'websiteUrl']);
  httpsUrl(['developer', 'privacyUrl']);
  httpsUrl(['developer', 'termsOfUseUrl']);

  text(['name', 'short'], 'Short name', LIMITS.shortName);
  text(['name', 'full'], 'Full name', LIMITS.fullName, false);
  text(['description', 'short'], 'Short description', LIMITS.shortDescription);
  text(['description', 'full'], 'Full description', LIMITS.fullDescription);

  const accent = get(manifest, 'accentColor');
  if (typeof accent !== 'string' || !/^#[0-9a-fA-F]{6}$/.test(accent)) {
    problems.push(`accentColor must be #RRGGBB, got "${String(accent)}"`);
  }
  for (const [key, icon] of Object.entries(ICONS)) {
    const file = get(manifest, 'icons', key);
    if (file !== icon.file) problems.push(`icons.${key} must be "${icon.file}" (the file the package ships), got "${String(file)}"`);
  }

  const bots = get(manifest, 'bots');
  if (!Array.isArray(bots) || bots.length !== 1) {
    problems.push('bots must hold exactly one bot');
  } else {
    const bot = bots[0];
    if (typeof get(bot, 'botId') !== 'string' || !GUID.test(get(bot, 'botId') as string) || get(bot, 'botId') === NIL_GUID) {
      problems.push(`bots[0].botId must be a GUID (from BOT_ID), got "${String(get(bot, 'botId'))}"`);
    }
    const scopes = get(bot, 'scopes');
    const scopeList = Array.isArray(scopes) ? scopes : [];
    for (const scope of BOT_SCOPES) {
      if (!scopeList.includes(scope)) problems.push(`bots[0].scopes must include "${scope}"`);
    }
    if (get(bot, 'supportsFiles') !== false) problems.push('bots[0].supportsFiles must be false');
    if (get(bot, 'isNotificationOnly') !== false) problems.push('bots[0].isNotificationOnly must be false');
    const lists = get(bot, 'commandLists');
    if (!Array.isArray(lists)) {
      problems.push('bots[0].commandLists must be an array');
    } else {
      lists.forEach((list, i) => {
        const listScopes = get(list, 'scopes');
        if (!Array.isArray(listScopes) || listScopes.length === 0 || listScopes.some((s) => !scopeList.includes(s))) {
          problems.push(`bots[0].commandLists[${i}].scopes must name scopes the bot is installed in`);
        }
        const commands = get(list, 'commands');
        if (!Array.isArray(commands)) {
          problems.push(`bots[0].commandLists[${i}].commands must be an array`);
          return;
        }
        if (commands.length > LIMITS.commandsPerList) {
          problems.push(`bots[0].commandLists[${i}] has ${commands.length} commands; the limit is ${LIMITS.commandsPerList}`);
        }
        commands.forEach((command, j) => {
          const title = get(command, 'title');
          const description = get(command, 'description');
          if (typeof title !== 'string' || title === '' || title.length > LIMITS.commandTitle) {
            problems.push(`bots[0].commandLists[${i}].commands[${j}].title must be 1-${LIMITS.commandTitle} characters`);
          }
          if (typeof description !== 'string' || description === '' || description.length > LIMITS.commandDescription) {
            problems.push(`bots[0].commandLists[${i}].commands[${j}].description must be 1-${LIMITS.commandDescription} characters`);
          }
        });
      });
    }
  }

  const domains = get(manifest, 'validDomains');
  if (domains !== undefined) {
    if (!Array.isArray(domains)) problems.push('validDomains must be an array');
    else {
      for (const domain of domains) {
        if (typeof domain !== 'string' || !/^(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d+)?$/.test(domain)) {
          problems.push(`validDomains entries are host names without scheme or path (BOT_DOMAIN), got "${String(domain)}"`);
        }
      }
    }
  }
  return problems;
}

/** Checks the two icons: sizes, and the outline being white on a transparent background. */
export function validateIcons(appPackageDir: string): string[] {
  const problems: string[] = [];
  const read = (file: string): PNG | undefined => {
    const full = path.join(appPackageDir, file);
    if (!fs.existsSync(full)) {
      problems.push(`${file} is missing from ${display(appPackageDir)}`);
      return undefined;
    }
    try {
      return PNG.sync.read(fs.readFileSync(full));
    } catch (error) {
      problems.push(`${file} is not a readable PNG (${(error as Error).message})`);
      return undefined;
    }
  };
  for (const icon of Object.values(ICONS)) {
    const png = read(icon.file);
    if (!png) continue;
    if (png.width !== icon.size || png.height !== icon.size) {
      problems.push(`${icon.file} must be ${icon.size}x${icon.size} pixels, it is ${png.width}x${png.height}`);
    }
    if (icon.file === ICONS.outline.file) problems.push(...outlineProblems(png));
    else if (!hasVisiblePixels(png)) problems.push(`${icon.file} is fully transparent`);
  }
  return problems;
}

function hasVisiblePixels(png: PNG): boolean {
  for (let i = 3; i < png.data.length; i += 4) if (png.data[i] > 0) return true;
  return false;
}

function outlineProblems(png: PNG): string[] {
  const problems: string[] = [];
  const { width, height, data } = png;
  let notWhite = 0;
  let first: string | undefined;
  let transparent = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      if (data[i + 3] === 0) {
        transparent++;
        continue;
      }
      if (data[i] !== 255 || data[i + 1] !== 255 || data[i + 2] !== 255) {
        notWhite++;
        first ??= `(${x},${y}) is rgba(${data[i]},${data[i + 1]},${data[i + 2]},${data[i + 3]})`;
      }
    }
  }
  if (notWhite) problems.push(`${ICONS.outline.file} must use only white and transparent pixels: ${notWhite} are neither, e.g. ${first}`);
  const corners = [0, width - 1, (height - 1) * width, height * width - 1];
  if (transparent === 0 || corners.some((p) => data[p * 4 + 3] !== 0)) {
    problems.push(`${ICONS.outline.file} needs a transparent background (its corners are not transparent)`);
  }
  if (transparent === width * height) problems.push(`${ICONS.outline.file} is fully transparent`);
  return problems;
}

// ---------------------------------------------------------------------------------
// Manifest file and zip

export function readManifest(manifestPath: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  } catch (error) {
    throw new PackageError(`Could not read ${display(manifestPath)}: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new PackageError(`${display(manifestPath)} must hold a JSON object`);
  }
  return parsed as JsonObject;
}

function withCommandLists(manifest: JsonObject, lists: CommandList[]): JsonObject {
  const bots = manifest.bots;
  if (!Array.isArray(bots) || bots.length === 0 || !bots[0] || typeof bots[0] !== 'object' || Array.isArray(bots[0])) {
    throw new PackageError('The manifest has no bots[0] entry to put the command lists in.');
  }
  const bot = { ...bots[0], commandLists: lists as unknown as Json };
  return { ...manifest, bots: [bot, ...bots.slice(1)] };
}

function sameJson(a: Json | undefined, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Rewrites the committed manifest's commandLists from the registry; true when it changed. */
export function writeManifestCommandLists(
  manifestPath = path.join(DEFAULT_APP_PACKAGE_DIR, MANIFEST_FILE),
  commands: readonly CommandSource[] = COMMANDS,
): boolean {
  const manifest = readManifest(manifestPath);
  const lists = commandListsFromRegistry(commands);
  const current = Array.isArray(manifest.bots) ? get(manifest.bots[0], 'commandLists') : undefined;
  if (sameJson(current, lists)) return false;
  fs.writeFileSync(manifestPath, `${JSON.stringify(withCommandLists(manifest, lists), null, 2)}\n`);
  return true;
}

function writeZip(entries: { name: string; data: Buffer }[], zipPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const zip = new ZipFile();
    const partial = `${zipPath}.partial`;
    const out = fs.createWriteStream(partial);
    const fail = (error: Error): void => {
      out.destroy();
      fs.rmSync(partial, { force: true });
      reject(error);
    };
    zip.outputStream.on('error', fail);
    out.on('error', fail);
    out.on('close', () => {
      try {
        fs.renameSync(partial, zipPath);
        resolve();
      } catch (error) {
        fail(error as Error);
      }
    });
    zip.outputStream.pipe(out);
    for (const entry of entries) zip.addBuffer(entry.data, entry.name, { mtime: ZIP_MTIME, mode: 0o100644 });
    zip.end();
  });
}

export interface BuildOptions {
  envName?: string;
  envDir?: string;
  outDir?: string;
  appPackageDir?: string;
  /** Overrides the env files for the variables the manifest uses; defaults to process.env. */
  processEnv?: NodeJS.ProcessEnv;
  commands?: readonly CommandSource[];
}

export interface BuildResult {
  zipPath: string;
  manifest: JsonObject;
  /** Where each placeholder's value came from. */
  sources: Record<string, string>;
  warnings: string[];
}

export async function buildAppPackage(options: BuildOptions = {}): Promise<BuildResult> {
  const envName = options.envName ?? 'dev';
  const envDir = options.envDir ?? DEFAULT_ENV_DIR;
  const outDir = options.outDir ?? DEFAULT_OUT_DIR;
  const appPackageDir = options.appPackageDir ?? DEFAULT_APP_PACKAGE_DIR;
  const commands = options.commands ?? COMMANDS;
  checkEnvName(envName);

  const warnings: string[] = [];
  const template = readManifest(path.join(appPackageDir, MANIFEST_FILE));
  const lists = commandListsFromRegistry(commands);
  const committedLists = Array.isArray(template.bots) ? get(template.bots[0], 'commandLists') : undefined;
  if (!sameJson(committedLists, lists)) {
    warnings.push(
      'appPackage/manifest.json commandLists differ from src/core/commands.ts; the package uses the registry. Run `npm run package -- --write-manifest` to update the committed file.',
    );
  }
  const leftOff = commandsLeftOffMenu(commands);
  if (leftOff.length) {
    warnings.push(`The Teams command menu shows at most ${LIMITS.commandsPerList} commands; left off: ${leftOff.join(', ')}.`);
  }

  const names = placeholdersIn(template);
  const env = loadEnv(envName, envDir, options.processEnv ?? process.env, names);
  const filled = fillPlaceholders(withCommandLists(template, lists), env.values, env.files.map(display).join(' or '));

  const problems = [...validateManifest(filled), ...validateIcons(appPackageDir)];
  if (problems.length) {
    throw new PackageError(`The app package for "${envName}" is not valid:`, problems);
  }

  fs.mkdirSync(outDir, { recursive: true });
  const zipPath = path.join(outDir, `appPackage.${envName}.zip`);
  await writeZip(
    [
      { name: MANIFEST_FILE, data: Buffer.from(`${JSON.stringify(filled, null, 2)}\n`, 'utf8') },
      { name: ICONS.color.file, data: fs.readFileSync(path.join(appPackageDir, ICONS.color.file)) },
      { name: ICONS.outline.file, data: fs.readFileSync(path.join(appPackageDir, ICONS.outline.file)) },
    ],
    zipPath,
  );
  const sources = Object.fromEntries(names.map((n) => [n, env.sources[n] ?? 'unknown']));
  return { zipPath, manifest: filled, sources, warnings };
}

// ---------------------------------------------------------------------------------
// CLI

const USAGE = `Usage: npm run package [-- --env <name>]   build build/appPackage.<name>.zip from env/.env.<name> (default: dev)
       npm run package -- --write-manifest   rewrite appPackage/manifest.json commandLists from src/core/commands.ts`;

export interface CliIo {
  log(message: string): void;
  error(message: string): void;
}

export async function main(argv: string[], io: CliIo = console, options: BuildOptions = {}): Promise<number> {
  let envName = options.envName ?? 'dev';
  let writeManifest = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      io.log(USAGE);
      return 0;
    } else if (arg === '--write-manifest') {
      writeManifest = true;
    } else if (arg === '--env' || arg === '-e') {
      const value = argv[++i];
      if (!value || value.startsWith('-')) {
        io.error(`--env needs a name, e.g. --env prod\n${USAGE}`);
        return 1;
      }
      envName = value;
    } else if (arg.startsWith('--env=')) {
      envName = arg.slice('--env='.length);
    } else {
      io.error(`Unknown option "${arg}".\n${USAGE}`);
      return 1;
    }
  }
  try {
    if (writeManifest) {
      const manifestPath = path.join(options.appPackageDir ?? DEFAULT_APP_PACKAGE_DIR, MANIFEST_FILE);
      const changed = writeManifestCommandLists(manifestPath, options.commands ?? COMMANDS);
      io.log(changed ? `Updated commandLists in ${display(manifestPath)}.` : `${display(manifestPath)} commandLists already match the registry.`);
      return 0;
    }
    const result = await buildAppPackage({ ...options, envName });
    for (const warning of result.warnings) io.error(`warning: ${warning}`);
    const fromProcess = Object.entries(result.sources).filter(([, source]) => source === 'process environment');
    if (fromProcess.length) {
      io.log(`Taken from the process environment (overriding env files): ${fromProcess.map(([n]) => n).join(', ')}`);
    }
    io.log(display(result.zipPath));
    return 0;
  } catch (error) {
    if (error instanceof PackageError) {
      const what = writeManifest ? 'update appPackage/manifest.json' : `build the Teams app package (env "${envName}")`;
      io.error(`Could not ${what}.\n${error.message}`);
      return 1;
    }
    throw error;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`Could not build the Teams app package: ${(error as Error)?.stack ?? String(error)}`);
      process.exitCode = 1;
    },
  );
}
