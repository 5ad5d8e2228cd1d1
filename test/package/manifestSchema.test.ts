import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { PNG } from 'pngjs';
import { ICONS, main } from '../../scripts/package';

/**
 * The zip that `npm run package` writes, checked as Teams will check it on upload: the
 * manifest against Microsoft's JSON schema for its manifestVersion (vendored under
 * schema/, so this needs no network), the icons at the sizes Teams requires, the files at
 * the root of the zip, and no ${{…}} placeholder left.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const SCHEMA_DIR = path.join(__dirname, 'schema');
const COMMITTED_MANIFEST = path.join(ROOT, 'appPackage', 'manifest.json');

/** Values a real deployment puts in env/.env.<name> (in env/.env.dev provisioning writes them: they are empty there). */
const DEPLOYMENT = {
  TEAMS_APP_ID: '6d0f4c2a-9e1b-4a7d-8c3f-2b5e7a9d1c40',
  BOT_ID: 'a3e5c7b9-1d2f-4e6a-9b8c-0d2e4f6a8b1c',
  BOT_DOMAIN: 'recyclebin.contoso.example',
  APP_NAME_SUFFIX: '',
};

type Manifest = Record<string, any>;

function schemaFileFor(manifestVersion: string): string {
  return path.join(SCHEMA_DIR, `MicrosoftTeams.v${manifestVersion}.schema.json`);
}

/** Microsoft's schemas are draft-04; strictTypes is off because they use keywords without "type", as Microsoft's own validator does. */
function compileSchema(manifestVersion: string): ValidateFunction {
  const file = schemaFileFor(manifestVersion);
  assert.ok(
    fs.existsSync(file),
    `no vendored Teams schema for manifestVersion ${manifestVersion}: add ${path.relative(ROOT, file)} (see test/package/schema/README.md)`,
  );
  const ajv = new Ajv({ allErrors: true, strictTypes: false });
  addFormats(ajv);
  return ajv.compile(JSON.parse(fs.readFileSync(file, 'utf8')));
}

function schemaProblems(validate: ValidateFunction, manifest: unknown): string[] {
  if (validate(manifest)) return [];
  return (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

interface ZipEntry {
  name: string;
  data: Buffer;
}

/** Reads a zip through its central directory (what Teams' uploader does), inflating each entry. */
function readZip(zip: Buffer): ZipEntry[] {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  assert.ok(eocd >= 0, 'the zip has an end-of-central-directory record');
  const entries: ZipEntry[] = [];
  let offset = zip.readUInt32LE(eocd + 16);
  for (let n = zip.readUInt16LE(eocd + 10); n > 0; n--) {
    assert.equal(zip.readUInt32LE(offset), 0x02014b50, 'central directory entry');
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const localOffset = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    assert.ok(method === 0 || method === 8, `${name}: stored or deflated, not method ${method}`);
    entries.push({ name, data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw) });
    offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  return entries;
}

/** Runs the package script's entry point (what `npm run package -- --env <name>` runs) into a scratch directory. */
async function buildPackage(envName: string, envDir: string | undefined, outDir: string, processEnv: NodeJS.ProcessEnv): Promise<ZipEntry[]> {
  const output: string[] = [];
  const io = { log: (m: string) => output.push(m), error: (m: string) => output.push(m) };
  const code = await main(['--env', envName], io, { outDir, processEnv, ...(envDir ? { envDir } : {}) });
  assert.equal(code, 0, output.join('\n'));
  return readZip(fs.readFileSync(path.join(outDir, `appPackage.${envName}.zip`)));
}

describe('Teams app package against the Teams manifest schema', () => {
  let scratch: string;
  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'package-schema-'));
  });
  afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

  /** Every check Teams makes on upload that we can make offline. */
  function assertUploadable(entries: ZipEntry[]): Manifest {
    assert.deepEqual(
      entries.map((e) => e.name).sort(),
      ['color.png', 'manifest.json', 'outline.png'],
      'exactly the manifest and the two icons, at the root of the zip (no folders)',
    );
    const file = (name: string) => entries.find((e) => e.name === name)!.data;

    const text = file('manifest.json').toString('utf8');
    assert.ok(!text.includes('${{'), 'every ${{…}} placeholder is filled');
    const manifest = JSON.parse(text) as Manifest;
    assert.equal(
      manifest.$schema,
      `https://developer.microsoft.com/json-schemas/teams/v${manifest.manifestVersion}/MicrosoftTeams.schema.json`,
      '$schema names the schema of manifestVersion',
    );
    assert.deepEqual(schemaProblems(compileSchema(manifest.manifestVersion), manifest), [], 'valid against the Teams manifest schema');

    assert.deepEqual(manifest.icons, { color: ICONS.color.file, outline: ICONS.outline.file }, 'icons name files in the zip');
    for (const icon of Object.values(ICONS)) {
      const png = PNG.sync.read(file(icon.file));
      assert.deepEqual([png.width, png.height], [icon.size, icon.size], `${icon.file} is ${icon.size}x${icon.size}`);
    }
    const outline = PNG.sync.read(file(ICONS.outline.file));
    for (let i = 0; i < outline.data.length; i += 4) {
      const [r, g, b, a] = outline.data.subarray(i, i + 4);
      assert.ok(a === 0 || (r === 255 && g === 255 && b === 255), `outline pixel ${i / 4} is white or transparent`);
    }
    return manifest;
  }

  it('the package built from the committed env/.env.dev (with the ids provisioning writes) is one Teams accepts', async () => {
    const provisioned = { TEAMS_APP_ID: DEPLOYMENT.TEAMS_APP_ID, BOT_ID: DEPLOYMENT.BOT_ID, BOT_DOMAIN: DEPLOYMENT.BOT_DOMAIN };
    const manifest = assertUploadable(await buildPackage('dev', undefined, scratch, provisioned));
    assert.equal(manifest.bots[0].botId, DEPLOYMENT.BOT_ID);
    assert.match(manifest.name.short, /\(dev\)$/);
  });

  it('a production package (no name suffix) is one Teams accepts', async () => {
    const envDir = path.join(scratch, 'env');
    fs.mkdirSync(envDir);
    fs.writeFileSync(path.join(envDir, '.env.prod'), Object.entries(DEPLOYMENT).map(([k, v]) => `${k}="${v}"`).join('\n'));
    const manifest = assertUploadable(await buildPackage('prod', envDir, path.join(scratch, 'out'), {}));
    assert.equal(manifest.id, DEPLOYMENT.TEAMS_APP_ID);
    assert.equal(manifest.name.short, 'Entra Recycle Bin');
    assert.deepEqual(manifest.validDomains, [DEPLOYMENT.BOT_DOMAIN]);
  });

  it('the vendored schema is the one the committed manifest declares', () => {
    const committed = JSON.parse(fs.readFileSync(COMMITTED_MANIFEST, 'utf8')) as Manifest;
    const schema = JSON.parse(fs.readFileSync(schemaFileFor(committed.manifestVersion), 'utf8'));
    assert.equal(schema.properties.manifestVersion.const ?? schema.properties.manifestVersion.enum?.[0], committed.manifestVersion);
  });

  it('the schema check is live: it rejects what Teams would reject', () => {
    const committed = JSON.parse(fs.readFileSync(COMMITTED_MANIFEST, 'utf8')) as Manifest;
    const validate = compileSchema(committed.manifestVersion);
    // The committed template still has placeholders where GUIDs belong.
    assert.match(schemaProblems(validate, committed).join('\n'), /\/id must match pattern/);

    const filled = JSON.parse(
      JSON.stringify(committed)
        .replaceAll('${{TEAMS_APP_ID}}', DEPLOYMENT.TEAMS_APP_ID)
        .replaceAll('${{BOT_ID}}', DEPLOYMENT.BOT_ID)
        .replaceAll('${{BOT_DOMAIN}}', DEPLOYMENT.BOT_DOMAIN)
        .replaceAll('${{APP_NAME_SUFFIX}}', ''),
    ) as Manifest;
    assert.deepEqual(schemaProblems(validate, filled), []);
    const broken = structuredClone(filled);
    broken.bots[0].scopes = ['personal', 'everyone'];
    broken.accentColor = 'blue';
    broken.unknownField = true;
    const problems = schemaProblems(validate, broken).join('\n');
    assert.match(problems, /\/bots\/0\/scopes\/1 must be equal to one of the allowed values/);
    assert.match(problems, /\/accentColor must match pattern/);
    assert.match(problems, /must NOT have additional properties \{"additionalProperty":"unknownField"\}/);
  });
});
