import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { COMMANDS } from '../../src/core/commands';
import {
  BOT_SCOPES,
  LIMITS,
  PackageError,
  buildAppPackage,
  commandListsFromRegistry,
  main,
  parseEnvFile,
  writeManifestCommandLists,
} from '../../scripts/package';

const ROOT = path.resolve(__dirname, '..', '..');
const APP_PACKAGE = path.join(ROOT, 'appPackage');
const MANIFEST_PATH = path.join(APP_PACKAGE, 'manifest.json');

const FIXTURE = {
  TEAMS_APP_ID: '3f2c6a0e-8d1b-4c7e-9a55-0b6d2e4f1a37',
  BOT_ID: '9b8e7d6c-5a4f-4e3d-8c2b-1a0f9e8d7c6b',
  BOT_DOMAIN: 'recyclebin.contoso.example',
  APP_NAME_SUFFIX: ' (test)',
};

type Manifest = Record<string, any>;

function readCommittedManifest(): Manifest {
  return JSON.parse(fs.readFileSync(MANIFEST_PATH, 'utf8')) as Manifest;
}

function envText(values: Record<string, string | undefined>): string {
  const lines = ['# fixture for the app package tests', ''];
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined) lines.push(`${key}="${value}"`);
  }
  return `${lines.join('\n')}\n`;
}

/** A scratch directory with env/ and out/; removed after each test. */
function scratch(): { dir: string; envDir: string; outDir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'app-package-'));
  const envDir = path.join(dir, 'env');
  fs.mkdirSync(envDir);
  return { dir, envDir, outDir: path.join(dir, 'out'), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

// --- a minimal zip reader: central directory + inflateRaw, with CRC checks -------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function readZip(zip: Buffer): Map<string, Buffer> {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  assert.ok(eocd >= 0, 'zip has an end-of-central-directory record');
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const entries = new Map<string, Buffer>();
  for (let n = 0; n < count; n++) {
    assert.equal(zip.readUInt32LE(offset), 0x02014b50, 'central directory entry signature');
    const method = zip.readUInt16LE(offset + 10);
    const crc = zip.readUInt32LE(offset + 16);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const size = zip.readUInt32LE(offset + 24);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localOffset = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    assert.equal(zip.readUInt32LE(localOffset), 0x04034b50, `local header of ${name}`);
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    const data = method === 8 ? inflateRawSync(raw) : method === 0 ? Buffer.from(raw) : assert.fail(`unexpected method ${method}`);
    assert.equal(data.length, size, `size of ${name}`);
    assert.equal(crc32(data), crc, `CRC of ${name}`);
    entries.set(name, data);
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

async function rejectsWith(promise: Promise<unknown>, ...fragments: (string | RegExp)[]): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof PackageError, `expected a PackageError, got ${String(error)}`);
    for (const fragment of fragments) {
      if (typeof fragment === 'string') assert.ok(error.message.includes(fragment), `"${fragment}" in:\n${error.message}`);
      else assert.match(error.message, fragment);
    }
    return error.message;
  }
  return assert.fail('expected the build to fail');
}

// ---------------------------------------------------------------------------------------

describe('Teams app package', () => {
  describe('committed manifest', () => {
    it('is a current-schema manifest with the bot in personal, team and group chat scopes', () => {
      const manifest = readCommittedManifest();
      assert.match(manifest.manifestVersion, /^1\.\d+$/);
      assert.equal(
        manifest.$schema,
        `https://developer.microsoft.com/json-schemas/teams/v${manifest.manifestVersion}/MicrosoftTeams.schema.json`,
      );
      assert.equal(manifest.id, '${{TEAMS_APP_ID}}');
      assert.equal(manifest.name.short, 'Entra Recycle Bin${{APP_NAME_SUFFIX}}');
      assert.deepEqual(manifest.icons, { color: 'color.png', outline: 'outline.png' });
      assert.equal(manifest.bots.length, 1);
      const [bot] = manifest.bots;
      assert.equal(bot.botId, '${{BOT_ID}}');
      assert.deepEqual([...bot.scopes].sort(), [...BOT_SCOPES].sort());
      assert.equal(bot.supportsFiles, false);
      assert.equal(bot.isNotificationOnly, false);
      assert.deepEqual(manifest.validDomains, ['${{BOT_DOMAIN}}']);
      assert.ok(manifest.description.short.length <= LIMITS.shortDescription);
      assert.ok(manifest.description.full.length <= LIMITS.fullDescription);
      assert.ok(manifest.name.full.length <= LIMITS.fullName);
    });

    it('lists the same commands as the registry (run `npm run package -- --write-manifest` after changing commands)', () => {
      assert.deepEqual(
        readCommittedManifest().bots[0].commandLists,
        commandListsFromRegistry(),
        'appPackage/manifest.json commandLists are stale: run `npm run package -- --write-manifest`',
      );
    });
  });

  describe('command lists from the registry', () => {
    it('has one list per scope naming every menu command with its description', () => {
      const lists = commandListsFromRegistry();
      assert.deepEqual(
        lists.map((l) => l.scopes),
        BOT_SCOPES.map((s) => [s]),
      );
      for (const list of lists) {
        assert.deepEqual(
          list.commands.map((c) => c.title),
          COMMANDS.filter((c) => c.inMenu !== false).slice(0, LIMITS.commandsPerList).map((c) => c.name),
        );
        for (const command of list.commands) {
          assert.ok(command.title.length <= LIMITS.commandTitle);
          assert.ok(command.description.length > 0 && command.description.length <= LIMITS.commandDescription);
        }
      }
    });

    it('truncates long descriptions to 128 characters and shows at most 10 commands', () => {
      const many = Array.from({ length: 12 }, (_, i) => ({ name: `cmd${i}`, description: `${'x'.repeat(200)} ${i}` }));
      const [list] = commandListsFromRegistry(many);
      assert.equal(list.commands.length, 10);
      assert.equal(list.commands[0].description.length, 128);
      assert.ok(list.commands[0].description.endsWith('…'));
    });

    it('refuses a command name the menu cannot show', () => {
      assert.throws(
        () => commandListsFromRegistry([{ name: 'a'.repeat(33), description: 'too long' }]),
        (error: Error) => error instanceof PackageError && error.message.includes('limit is 32'),
      );
    });

    it('--write-manifest rewrites only the commandLists of a stale manifest', async () => {
      const s = scratch();
      try {
        const manifestPath = path.join(s.dir, 'manifest.json');
        const stale = readCommittedManifest();
        stale.bots[0].commandLists = [{ scopes: ['personal'], commands: [{ title: 'old', description: 'gone' }] }];
        fs.writeFileSync(manifestPath, JSON.stringify(stale, null, 2));
        assert.equal(writeManifestCommandLists(manifestPath), true);
        const rewritten = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Manifest;
        assert.deepEqual(rewritten.bots[0].commandLists, commandListsFromRegistry());
        assert.deepEqual({ ...rewritten, bots: undefined }, { ...readCommittedManifest(), bots: undefined });
        assert.equal(writeManifestCommandLists(manifestPath), false, 'second run has nothing to change');

        const logs: string[] = [];
        fs.writeFileSync(manifestPath, JSON.stringify(stale, null, 2));
        const code = await main(['--write-manifest'], { log: (m) => logs.push(m), error: (m) => logs.push(m) }, { appPackageDir: s.dir });
        assert.equal(code, 0);
        assert.match(logs.join('\n'), /Updated commandLists/);
      } finally {
        s.cleanup();
      }
    });
  });

  describe('icons', () => {
    const read = (file: string): PNG => PNG.sync.read(fs.readFileSync(path.join(APP_PACKAGE, file)));

    it('colour icon is 192x192 and in colour', () => {
      const png = read('color.png');
      assert.equal(png.width, 192);
      assert.equal(png.height, 192);
      const colours = new Set<string>();
      for (let i = 0; i < png.data.length; i += 4) colours.add(png.data.subarray(i, i + 3).join(','));
      assert.ok(colours.size > 2, 'more than two colours');
      assert.ok([...colours].some((c) => new Set(c.split(',')).size > 1), 'not greyscale');
    });

    it('outline icon is 32x32, white on a transparent background', () => {
      const png = read('outline.png');
      assert.equal(png.width, 32);
      assert.equal(png.height, 32);
      let transparent = 0;
      let white = 0;
      for (let i = 0; i < png.data.length; i += 4) {
        const [r, g, b, a] = png.data.subarray(i, i + 4);
        if (a === 0) transparent++;
        else {
          assert.deepEqual([r, g, b], [255, 255, 255], `pixel ${i / 4} is white or transparent`);
          white++;
        }
      }
      assert.equal(png.data[3], 0, 'top-left corner is transparent');
      assert.ok(transparent > 0 && white > 0, 'has both a transparent background and a white symbol');
    });
  });

  describe('env files', () => {
    it('reads KEY=VALUE lines with comments, quotes and export', () => {
      const values = parseEnvFile(
        ['# comment', '', 'A=1', 'export B = two words # trailing comment', 'C=" spaced "', "D='x#y'", 'E=', 'F=a#b'].join('\n'),
      );
      assert.deepEqual(values, { A: '1', B: 'two words', C: ' spaced ', D: 'x#y', E: '', F: 'a#b' });
    });

    it('names the file and line of a malformed entry', () => {
      assert.throws(() => parseEnvFile('A=1\nnot a pair\n', 'env/.env.x'), /env\/\.env\.x line 2/);
    });
  });

  describe('building', () => {
    let s: ReturnType<typeof scratch>;
    beforeEach(() => {
      s = scratch();
    });
    afterEach(() => s.cleanup());

    const build = (env: Record<string, string | undefined>, extra: Parameters<typeof buildAppPackage>[0] = {}) => {
      fs.writeFileSync(path.join(s.envDir, '.env.fixture'), envText(env));
      return buildAppPackage({ envName: 'fixture', envDir: s.envDir, outDir: s.outDir, processEnv: {}, ...extra });
    };

    it('writes a zip with exactly the manifest and both icons, placeholders filled from the env file', async () => {
      const result = await build(FIXTURE);
      assert.equal(result.zipPath, path.join(s.outDir, 'appPackage.fixture.zip'));
      const entries = readZip(fs.readFileSync(result.zipPath));
      assert.deepEqual([...entries.keys()].sort(), ['color.png', 'manifest.json', 'outline.png']);
      assert.ok(entries.get('color.png')!.equals(fs.readFileSync(path.join(APP_PACKAGE, 'color.png'))));
      assert.ok(entries.get('outline.png')!.equals(fs.readFileSync(path.join(APP_PACKAGE, 'outline.png'))));

      const text = entries.get('manifest.json')!.toString('utf8');
      assert.ok(!text.includes('${{'), 'no placeholder left');
      const manifest = JSON.parse(text) as Manifest;
      assert.equal(manifest.id, FIXTURE.TEAMS_APP_ID);
      assert.equal(manifest.bots[0].botId, FIXTURE.BOT_ID);
      assert.equal(manifest.name.short, 'Entra Recycle Bin (test)');
      assert.deepEqual(manifest.validDomains, [FIXTURE.BOT_DOMAIN]);
      assert.equal(manifest.developer.websiteUrl, `https://${FIXTURE.BOT_DOMAIN}/`);
      assert.deepEqual(manifest.bots[0].commandLists, commandListsFromRegistry());
      assert.deepEqual(result.warnings, []);
    });

    it('uses the registry even when the committed command list is stale, and says so', async () => {
      const appPackageDir = path.join(s.dir, 'appPackage');
      fs.cpSync(APP_PACKAGE, appPackageDir, { recursive: true });
      const stale = readCommittedManifest();
      stale.bots[0].commandLists = [];
      fs.writeFileSync(path.join(appPackageDir, 'manifest.json'), JSON.stringify(stale));
      const result = await build(FIXTURE, { appPackageDir });
      assert.deepEqual(result.manifest.bots, [{ ...stale.bots[0], botId: FIXTURE.BOT_ID, commandLists: commandListsFromRegistry() }]);
      assert.match(result.warnings.join('\n'), /--write-manifest/);
    });

    it('lets env/.env.<name>.user and then the process environment override the env file', async () => {
      const otherBot = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
      const otherApp = '11111111-2222-4333-8444-555555555555';
      fs.writeFileSync(path.join(s.envDir, '.env.fixture.user'), `BOT_ID=${otherBot}\nTEAMS_APP_ID=not-used\n`);
      const result = await build(FIXTURE, { processEnv: { TEAMS_APP_ID: otherApp, BOT_DOMAIN: '' } });
      assert.equal((result.manifest as Manifest).bots[0].botId, otherBot);
      assert.equal((result.manifest as Manifest).id, otherApp);
      assert.deepEqual((result.manifest as Manifest).validDomains, [FIXTURE.BOT_DOMAIN], 'an empty process variable does not override');
      assert.equal(result.sources.TEAMS_APP_ID, 'process environment');
    });

    it('allows an empty APP_NAME_SUFFIX (production)', async () => {
      const result = await build({ ...FIXTURE, APP_NAME_SUFFIX: '' });
      assert.equal((result.manifest as Manifest).name.short, 'Entra Recycle Bin');
    });

    it('fails naming a missing variable, and writes nothing', async () => {
      await rejectsWith(build({ ...FIXTURE, BOT_ID: undefined }), 'BOT_ID', "Azure Bot's Microsoft App ID");
      assert.ok(!fs.existsSync(path.join(s.outDir, 'appPackage.fixture.zip')));
    });

    it('fails without a generated TEAMS_APP_ID rather than inventing one', async () => {
      const message = await rejectsWith(build({ ...FIXTURE, TEAMS_APP_ID: '' }), 'TEAMS_APP_ID', 'randomUUID');
      assert.ok(!message.includes('BOT_ID'), 'only the missing variable is named');
    });

    it('names every missing variable at once', async () => {
      await rejectsWith(build({ APP_NAME_SUFFIX: '' }), 'TEAMS_APP_ID', 'BOT_ID', 'BOT_DOMAIN');
    });

    it('rejects ids that are not GUIDs and a BOT_DOMAIN with a scheme', async () => {
      await rejectsWith(
        build({ ...FIXTURE, BOT_ID: 'my-bot', TEAMS_APP_ID: '00000000-0000-0000-0000-000000000000', BOT_DOMAIN: 'https://x.example' }),
        /botId must be a GUID \(from BOT_ID\)/,
        /id must be a GUID \(from TEAMS_APP_ID\)/,
        'validDomains',
      );
    });

    it('rejects a short name over 30 characters', async () => {
      await rejectsWith(build({ ...FIXTURE, APP_NAME_SUFFIX: ' - development tenant' }), 'Short name is 38 characters; the limit is 30');
    });

    it('fails with a clear message when the env file does not exist', async () => {
      await rejectsWith(
        buildAppPackage({ envName: 'prod', envDir: s.envDir, outDir: s.outDir, processEnv: {} }),
        `No environment file`,
        '.env.prod',
      );
    });

    it('rejects an environment name that is not a plain word', async () => {
      await rejectsWith(buildAppPackage({ envName: '../x', envDir: s.envDir, outDir: s.outDir, processEnv: {} }), 'not an environment name');
    });

    it('rejects icons of the wrong size and an outline that is not white on transparent', async () => {
      const appPackageDir = path.join(s.dir, 'appPackage');
      fs.cpSync(APP_PACKAGE, appPackageDir, { recursive: true });
      const opaque = new PNG({ width: 32, height: 32 });
      opaque.data.fill(0);
      for (let i = 3; i < opaque.data.length; i += 4) opaque.data[i] = 255; // opaque black
      fs.writeFileSync(path.join(appPackageDir, 'outline.png'), PNG.sync.write(opaque));
      fs.writeFileSync(path.join(appPackageDir, 'color.png'), PNG.sync.write(new PNG({ width: 100, height: 100, fill: true })));
      await rejectsWith(
        build(FIXTURE, { appPackageDir }),
        'color.png must be 192x192 pixels, it is 100x100',
        'outline.png must use only white and transparent pixels',
        'transparent background',
      );
    });
  });

  describe('command line', () => {
    it('prints the zip path and returns 0, or a friendly message and 1', async () => {
      const s = scratch();
      try {
        fs.writeFileSync(path.join(s.envDir, '.env.ci'), envText(FIXTURE));
        const out: string[] = [];
        const err: string[] = [];
        const io = { log: (m: string) => out.push(m), error: (m: string) => err.push(m) };
        const options = { envDir: s.envDir, outDir: s.outDir, processEnv: {} };
        assert.equal(await main(['--env', 'ci'], io, options), 0);
        assert.ok(out.at(-1)!.endsWith(path.join('out', 'appPackage.ci.zip')));
        assert.equal(await main(['--env=nope'], io, options), 1);
        assert.match(err.join('\n'), /Could not build the Teams app package \(env "nope"\)[\s\S]*No environment file/);
        assert.equal(await main(['--bogus'], io, options), 1);
        assert.match(err.at(-1)!, /Unknown option "--bogus"/);
      } finally {
        s.cleanup();
      }
    });
  });
});
