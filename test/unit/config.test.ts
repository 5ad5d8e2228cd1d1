import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config';
import { createLogger, redact } from '../../src/log';

const TENANT = '11111111-2222-4333-8444-555555555555';
const CLIENT = '66666666-7777-4888-9999-aaaaaaaaaaaa';
const APPROVER = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
/** Tenant mode needs someone who can approve and an authenticated bot. */
const ROLES = { APPROVER_IDS: APPROVER, BOT_ID: CLIENT, BOT_PASSWORD: 'bot-secret' };

function failsOn(variable: string, env: Record<string, string>, message?: RegExp): void {
  assert.throws(
    () => loadConfig(env),
    (error: unknown) => error instanceof ConfigError && error.variable === variable && (!message || message.test(error.message)),
  );
}

describe('configuration', () => {
  it('with nothing set, runs demo mode against global Graph defaults', () => {
    const config = loadConfig({});
    assert.equal(config.mode, 'demo');
    assert.equal(config.port, 3978);
    assert.equal(config.graph.baseUrl, 'https://graph.microsoft.com');
    assert.equal(config.playground.enabled, true);
    assert.equal(config.bot, undefined);
  });

  it('AZURE_CLIENT_ID with a secret selects tenant mode and never the playground', () => {
    const config = loadConfig({ ...ROLES, AZURE_CLIENT_ID: CLIENT, AZURE_TENANT_ID: TENANT, AZURE_CLIENT_SECRET: 's3cret' });
    assert.equal(config.mode, 'tenant');
    assert.deepEqual(config.credential, { type: 'secret', tenantId: TENANT, clientId: CLIENT, clientSecret: 's3cret' });
    assert.equal(config.allowedTenantId, TENANT);
    assert.equal(config.playground.enabled, false);
  });

  it('supports certificates and managed identity', () => {
    assert.equal(loadConfig({ ...ROLES, AZURE_CLIENT_ID: CLIENT, AZURE_TENANT_ID: TENANT, AZURE_CLIENT_CERTIFICATE_PATH: '/k.pem' }).credential?.type, 'certificate');
    const mi = loadConfig({ ...ROLES, AZURE_USE_MANAGED_IDENTITY: 'true', AZURE_TENANT_ID: TENANT });
    assert.deepEqual(mi.credential, { type: 'managedIdentity', tenantId: TENANT, clientId: undefined });
  });

  describe('bot authentication in tenant mode', () => {
    const TENANT_MODE = { APPROVER_IDS: APPROVER, AZURE_CLIENT_ID: CLIENT, AZURE_TENANT_ID: TENANT, AZURE_CLIENT_SECRET: 's3cret' };

    it('refuses to start without BOT_ID, naming it and saying why', () =>
      failsOn('BOT_ID', TENANT_MODE, /BOT_ID.*required in tenant mode.*anyone who reaches \/api\/messages.*ALLOW_UNAUTHENTICATED_BOT=true/));

    it('refuses with ALLOW_UNAUTHENTICATED_BOT=false too', () => failsOn('BOT_ID', { ...TENANT_MODE, ALLOW_UNAUTHENTICATED_BOT: 'false' }));

    it('starts with BOT_ID and BOT_PASSWORD, authenticated', () => {
      const config = loadConfig({ ...TENANT_MODE, BOT_ID: CLIENT, BOT_PASSWORD: 'pw' });
      assert.equal(config.bot?.appId, CLIENT);
      assert.equal(config.unauthenticatedBot, false);
    });

    it('starts with a user-assigned managed identity and no password', () => {
      const config = loadConfig({ ...TENANT_MODE, BOT_ID: CLIENT, BOT_TYPE: 'UserAssignedMsi' });
      assert.equal(config.bot?.type, 'UserAssignedMsi');
      assert.equal(config.unauthenticatedBot, false);
    });

    it('starts unauthenticated only with ALLOW_UNAUTHENTICATED_BOT=true, and says so in the config', () => {
      const config = loadConfig({ ...TENANT_MODE, ALLOW_UNAUTHENTICATED_BOT: 'true' });
      assert.equal(config.bot, undefined);
      assert.equal(config.unauthenticatedBot, true);
    });

    it('keeps the flag off when a bot identity is set anyway', () => {
      assert.equal(loadConfig({ ...TENANT_MODE, BOT_ID: CLIENT, BOT_PASSWORD: 'pw', ALLOW_UNAUTHENTICATED_BOT: 'true' }).unauthenticatedBot, false);
    });

    it('demo mode stays anonymous and ignores the flag', () => {
      assert.equal(loadConfig({}).unauthenticatedBot, false);
      assert.equal(loadConfig({ ALLOW_UNAUTHENTICATED_BOT: 'true' }).unauthenticatedBot, false);
    });

    it('takes a token issuer and its OpenID metadata for tests and sovereign clouds', () => {
      const config = loadConfig({ ...TENANT_MODE, BOT_ID: CLIENT, BOT_PASSWORD: 'pw', BOT_OPENID_METADATA_URL: 'http://127.0.0.1:4000/openid', BOT_TOKEN_ISSUER: 'https://issuer.test' });
      assert.deepEqual(config.bot?.channelAuth, { openIdMetadataUrl: 'http://127.0.0.1:4000/openid', tokenIssuer: 'https://issuer.test' });
    });

    it('refuses plain-http metadata off loopback, half a channel, or a channel without BOT_ID', () => {
      const bot = { ...TENANT_MODE, BOT_ID: CLIENT, BOT_PASSWORD: 'pw' };
      failsOn('BOT_OPENID_METADATA_URL', { ...bot, BOT_OPENID_METADATA_URL: 'http://issuer.example/openid', BOT_TOKEN_ISSUER: 'x' }, /must be https/);
      failsOn('BOT_TOKEN_ISSUER', { ...bot, BOT_OPENID_METADATA_URL: 'https://issuer.example/openid' });
      failsOn('BOT_OPENID_METADATA_URL', { ...bot, BOT_TOKEN_ISSUER: 'https://issuer.example' });
      failsOn('BOT_OPENID_METADATA_URL', { BOT_OPENID_METADATA_URL: 'https://issuer.example/openid', BOT_TOKEN_ISSUER: 'x' }, /only applies with BOT_ID/);
    });
  });

  describe('the state account identity', () => {
    const TENANT_MODE = { APPROVER_IDS: APPROVER, AZURE_CLIENT_ID: CLIENT, AZURE_TENANT_ID: TENANT, AZURE_CLIENT_SECRET: 's3cret' };
    const BOT_MSI = '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f';
    const ACCOUNT = 'https://state.blob.core.windows.net';

    it('is the bot\'s user-assigned managed identity when the bot is one (the Agents Toolkit layout)', () => {
      const config = loadConfig({ ...TENANT_MODE, BOT_ID: BOT_MSI, BOT_TYPE: 'UserAssignedMsi', STATE_ACCOUNT_URL: ACCOUNT });
      assert.deepEqual(config.azureState, { connectionString: undefined, accountUrl: ACCOUNT, container: 'entra-recycle-bin-bot', managedIdentityClientId: BOT_MSI });
    });

    it('is the identity STATE_MANAGED_IDENTITY_CLIENT_ID names, whatever the bot is', () => {
      const other = '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d';
      assert.equal(loadConfig({ ...TENANT_MODE, BOT_ID: BOT_MSI, BOT_TYPE: 'UserAssignedMsi', STATE_ACCOUNT_URL: ACCOUNT, STATE_MANAGED_IDENTITY_CLIENT_ID: other }).azureState?.managedIdentityClientId, other);
      assert.equal(loadConfig({ ...TENANT_MODE, BOT_ID: CLIENT, BOT_PASSWORD: 'pw', STATE_ACCOUNT_URL: ACCOUNT, STATE_MANAGED_IDENTITY_CLIENT_ID: other }).azureState?.managedIdentityClientId, other);
    });

    it('is the Graph credential, as before, for a bot with a password', () => {
      const config = loadConfig({ ...TENANT_MODE, BOT_ID: CLIENT, BOT_PASSWORD: 'pw', STATE_ACCOUNT_URL: ACCOUNT });
      assert.equal(config.azureState?.accountUrl, ACCOUNT);
      assert.equal(config.azureState?.managedIdentityClientId, undefined);
    });

    it('plays no part with a connection string or the file store', () => {
      assert.equal(loadConfig({ ...TENANT_MODE, BOT_ID: BOT_MSI, BOT_TYPE: 'UserAssignedMsi', AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' }).azureState?.managedIdentityClientId, undefined);
      assert.equal(loadConfig({ ...TENANT_MODE, BOT_ID: BOT_MSI, BOT_TYPE: 'UserAssignedMsi' }).azureState, undefined);
    });

    it('refuses an identity without an account URL, or one that is not a GUID', () => {
      failsOn('STATE_MANAGED_IDENTITY_CLIENT_ID', { STATE_MANAGED_IDENTITY_CLIENT_ID: BOT_MSI }, /only applies with STATE_ACCOUNT_URL/);
      failsOn('STATE_MANAGED_IDENTITY_CLIENT_ID', { STATE_ACCOUNT_URL: ACCOUNT, STATE_MANAGED_IDENTITY_CLIENT_ID: 'bot-identity' }, /expected a GUID/);
    });
  });

  describe('Application Insights', () => {
    const CONNECTION = 'InstrumentationKey=0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/';

    it('is off unless APPLICATIONINSIGHTS_CONNECTION_STRING is set', () => {
      assert.equal(loadConfig({}).telemetry, undefined);
      assert.equal(loadConfig({ APPLICATIONINSIGHTS_CONNECTION_STRING: '  ' }).telemetry, undefined);
    });

    it('takes the connection string as given', () => {
      assert.deepEqual(loadConfig({ APPLICATIONINSIGHTS_CONNECTION_STRING: CONNECTION }).telemetry, { connectionString: CONNECTION });
    });

    it('refuses something that is not a connection string without repeating it', () => {
      const value = 'https://westeurope-5.in.applicationinsights.azure.com/?key=0f1e2d3c';
      failsOn('APPLICATIONINSIGHTS_CONNECTION_STRING', { APPLICATIONINSIGHTS_CONNECTION_STRING: value }, /InstrumentationKey=…/);
      assert.throws(() => loadConfig({ APPLICATIONINSIGHTS_CONNECTION_STRING: value }), (error: Error) => !error.message.includes('0f1e2d3c'));
    });
  });

  it('keeps only the origin of a national-cloud Graph endpoint', () => {
    const config = loadConfig({ GRAPH_BASE_URL: 'https://graph.microsoft.us/v1.0/', AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.us' });
    assert.equal(config.graph.baseUrl, 'https://graph.microsoft.us');
    assert.equal(config.graph.authorityHost, 'https://login.microsoftonline.us');
  });

  describe('stops with a message naming the variable', () => {
    it('tenant mode without a tenant', () => failsOn('AZURE_TENANT_ID', { ...ROLES, AZURE_CLIENT_ID: CLIENT, AZURE_CLIENT_SECRET: 'x' }));
    it('a client id that is not a GUID', () => failsOn('AZURE_CLIENT_ID', { AZURE_CLIENT_ID: 'my-app' }, /expected a GUID/));
    it('a client id with no credential', () => failsOn('AZURE_CLIENT_SECRET', { ...ROLES, AZURE_CLIENT_ID: CLIENT, AZURE_TENANT_ID: TENANT }, /no credential/));
    it('tenant mode with nobody who may approve', () =>
      failsOn('APPROVER_IDS', { AZURE_CLIENT_ID: CLIENT, AZURE_TENANT_ID: TENANT, AZURE_CLIENT_SECRET: 'x', BOT_ID: CLIENT, BOT_PASSWORD: 'x' }, /set APPROVER_IDS .* and\/or APPROVER_GROUP_ID/));
    it('an approver list with something that is not an object id', () => failsOn('APPROVER_IDS', { APPROVER_IDS: `${APPROVER}, alex@contoso.com` }, /alex@contoso.com/));
    it('zero required approvals', () => failsOn('REQUIRED_APPROVALS', { REQUIRED_APPROVALS: '0' }));
    it('both a secret and a certificate', () => failsOn('AZURE_CLIENT_SECRET', { ...ROLES, AZURE_CLIENT_ID: CLIENT, AZURE_TENANT_ID: TENANT, AZURE_CLIENT_SECRET: 'x', AZURE_CLIENT_CERTIFICATE_PATH: '/k' }));
    it('plain-http Graph (tokens must never travel unencrypted)', () => failsOn('GRAPH_BASE_URL', { GRAPH_BASE_URL: 'http://graph.example' }, /must be an https URL/));
    it('a port out of range', () => failsOn('PORT', { PORT: '70000' }, /0 to 65535/));
    it('a timeout that is not a number', () => failsOn('GRAPH_TIMEOUT_MS', { GRAPH_TIMEOUT_MS: 'soon' }));
    it('a flag that is not true or false', () => failsOn('AZURE_USE_MANAGED_IDENTITY', { AZURE_USE_MANAGED_IDENTITY: 'maybe' }));
    it('a bot id without its password', () => failsOn('BOT_PASSWORD', { BOT_ID: CLIENT }));
    it('a single-tenant bot without a tenant', () => failsOn('BOT_TENANT_ID', { BOT_ID: CLIENT, BOT_PASSWORD: 'x' }));
    it('an unknown bot type', () => failsOn('BOT_TYPE', { BOT_ID: CLIENT, BOT_PASSWORD: 'x', BOT_TYPE: 'Global' }));
    it('an unknown log level', () => failsOn('LOG_LEVEL', { LOG_LEVEL: 'loud' }));
  });
});

describe('structured logs', () => {
  it('writes one JSON object per line with the event and fields', () => {
    const lines: string[] = [];
    createLogger({ write: (line) => lines.push(line) }).child({ conversationId: 'c1' }).info('graph.call', { status: 200, ms: 12 });
    const entry = JSON.parse(lines[0]);
    assert.equal(entry.event, 'graph.call');
    assert.equal(entry.conversationId, 'c1');
    assert.equal(entry.status, 200);
  });

  it('never writes secrets, bearer tokens or JWTs', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJyb2xlcyI6W119.c2lnbmF0dXJl';
    const lines: string[] = [];
    createLogger({ write: (line) => lines.push(line) }).error('oops', {
      clientSecret: 'hunter2',
      headers: { Authorization: `Bearer ${jwt}` },
      error: new Error(`request failed with token ${jwt}`),
      nested: { BOT_PASSWORD: 'pw', note: `Bearer abc.def` },
    });
    const line = lines[0];
    for (const secret of ['hunter2', jwt, 'pw"', 'abc.def']) assert.ok(!line.includes(secret), `leaked ${secret}: ${line}`);
    assert.match(line, /\[redacted\]/);
  });

  it('never writes the keys of Application Insights or Storage connection strings', () => {
    const ikey = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
    const accountKey = 'c2VjcmV0LWFjY291bnQta2V5';
    const lines: string[] = [];
    createLogger({ write: (line) => lines.push(line) }).warn('oops', {
      connectionString: `InstrumentationKey=${ikey};IngestionEndpoint=https://x.example/`,
      APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${ikey}`,
      error: new Error(`could not parse "DefaultEndpointsProtocol=https;AccountName=state;AccountKey=${accountKey};EndpointSuffix=core.windows.net"`),
      note: `telemetry to InstrumentationKey=${ikey};IngestionEndpoint=https://x.example/`,
    });
    const line = lines[0];
    for (const secret of [ikey, accountKey]) assert.ok(!line.includes(secret), `leaked ${secret}: ${line}`);
    assert.match(line, /AccountName=state;AccountKey=\[redacted\]/);
    assert.match(line, /IngestionEndpoint=https:\/\/x.example/);
  });

  it('drops entries below the configured level', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', write: (line) => lines.push(line) });
    logger.info('chatty');
    logger.warn('important');
    assert.deepEqual(lines.map((l) => JSON.parse(l).event), ['important']);
  });

  it('keeps harmless values as they are', () => {
    assert.deepEqual(redact({ tokenExpired: false, status: 403, text: 'deleted ca' }), { tokenExpired: false, status: 403, text: 'deleted ca' });
  });
});
