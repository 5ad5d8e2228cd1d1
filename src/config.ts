import type { AccessPolicy } from './core/access';
import { isUserId } from './core/model';
import type { ApprovalSettings } from './core/requests';

/**
 * Configuration is read and validated once, at start-up. A bad value stops the bot with
 * a message naming the variable; nothing downstream reads process.env.
 */

export type GraphCredentialConfig =
  | { type: 'secret'; tenantId: string; clientId: string; clientSecret: string }
  | { type: 'certificate'; tenantId: string; clientId: string; certificatePath: string }
  | { type: 'managedIdentity'; tenantId: string; clientId?: string };

export interface BotIdentity {
  appId: string;
  password?: string;
  tenantId?: string;
  type: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMsi';
  /** Where inbound Bot Framework tokens come from; unset means Azure's public cloud. */
  channelAuth?: { openIdMetadataUrl: string; tokenIssuer: string };
}

export interface GraphSettings {
  baseUrl: string;
  authorityHost?: string;
  /** Per-request timeout. */
  timeoutMs: number;
  /** After this long a call gives up, retries included, and says so. */
  retryBudgetMs: number;
  maxRetries: number;
  /** Minimum spacing of requests on Conditional Access paths (Graph allows 1/s per tenant). */
  caMinIntervalMs: number;
}

export interface Config {
  mode: 'demo' | 'tenant';
  /** Who may request and approve; in demo mode the simulator's groups fill it in. */
  access: AccessPolicy;
  approvals: ApprovalSettings;
  /** Where requests and the audit log are kept: the embedded file store under this directory… */
  stateDir: string;
  /** …or, when set, an Azure Storage account shared by every instance. */
  azureState?: AzureStateSettings;
  /** Extra CA (PEM file) trusted for Graph and the authority, for private endpoints; TLS checks stay on. */
  graphCaFile?: string;
  /** Seconds between deletion polls; 0 turns alerts off. */
  alertPollSeconds: number;
  /** More items than this deleted by one actor within one poll cycle make the alert a mass-deletion alert. */
  alertMassDeleteThreshold: number;
  /** Days a version of a live policy object is kept (the latest one always is). */
  historyRetentionDays: number;
  /** Seconds between request sweeps (interrupted executions, audit entries left behind), on every instance. */
  requestSweepSeconds: number;
  /** Seconds an executing instance's claim on a request holds unless renewed (it renews every third of it). */
  requestClaimSeconds: number;
  /** On SIGTERM, how long turns and running changes get to finish before the process exits. */
  shutdownGraceSeconds: number;
  port: number;
  /** Activities from other tenants are refused when this is set. */
  allowedTenantId?: string;
  bot?: BotIdentity;
  /**
   * Tenant mode without a bot identity, allowed only by ALLOW_UNAUTHENTICATED_BOT=true:
   * anyone who reaches the endpoint can act as any user. Said on every card.
   */
  unauthenticatedBot: boolean;
  graph: GraphSettings;
  /** Absent in demo mode, where the in-process simulator issues the tokens. */
  credential?: GraphCredentialConfig;
  playground: { enabled: boolean; port: number };
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Application Insights through OpenTelemetry; absent unless APPLICATIONINSIGHTS_CONNECTION_STRING is set. */
  telemetry?: { connectionString: string };
}

export interface AzureStateSettings {
  connectionString?: string;
  accountUrl?: string;
  container: string;
  /**
   * With accountUrl: the client id of the user-assigned managed identity that signs in to
   * Storage. Unset: the Graph credential does (files and connection strings need neither).
   */
  managedIdentityClientId?: string;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function loadConfig(env: Env = process.env): Config {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(name, `expected a whole number from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const raw = read(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    throw new ConfigError(name, `expected true or false, got "${raw}"`);
  };
  const guid = (name: string): string | undefined => {
    const value = read(name);
    if (value !== undefined && !GUID.test(value)) throw new ConfigError(name, `expected a GUID, got "${value}"`);
    return value;
  };
  const httpsUrl = (name: string, fallback?: string): string | undefined => {
    const value = read(name) ?? fallback;
    if (value === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new ConfigError(name, `expected an https URL, got "${value}"`);
    }
    if (url.protocol !== 'https:') throw new ConfigError(name, `must be an https URL (Graph tokens are only sent over TLS), got "${value}"`);
    return url.origin;
  };

  /** https, or http only for a local emulator or test server on loopback. */
  const httpsOrDevUrl = (name: string): string | undefined => {
    const value = read(name);
    if (value === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new ConfigError(name, `expected a URL, got "${value}"`);
    }
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw new ConfigError(name, `must be https (http only for a local emulator), got "${value}"`);
    return value.replace(/\/$/, '');
  };

  const useManagedIdentity = flag('AZURE_USE_MANAGED_IDENTITY', false);
  const clientId = guid('AZURE_CLIENT_ID');
  const tenantMode = clientId !== undefined || useManagedIdentity;
  const tenantId = guid('AZURE_TENANT_ID');

  const graph: GraphSettings = {
    baseUrl: httpsUrl('GRAPH_BASE_URL', 'https://graph.microsoft.com')!,
    authorityHost: httpsUrl('AZURE_AUTHORITY_HOST'),
    timeoutMs: integer('GRAPH_TIMEOUT_MS', 15_000, 100, 300_000),
    retryBudgetMs: integer('GRAPH_RETRY_BUDGET_MS', 60_000, 0, 600_000),
    maxRetries: integer('GRAPH_MAX_RETRIES', 6, 0, 10),
    caMinIntervalMs: integer('GRAPH_CA_MIN_INTERVAL_MS', 1_000, 0, 60_000),
  };

  let credential: GraphCredentialConfig | undefined;
  if (tenantMode) {
    if (!tenantId) throw new ConfigError('AZURE_TENANT_ID', 'required when AZURE_CLIENT_ID or AZURE_USE_MANAGED_IDENTITY is set');
    const secret = read('AZURE_CLIENT_SECRET');
    const certificatePath = read('AZURE_CLIENT_CERTIFICATE_PATH');
    if (useManagedIdentity) {
      credential = { type: 'managedIdentity', tenantId, clientId };
    } else if (secret && certificatePath) {
      throw new ConfigError('AZURE_CLIENT_SECRET', 'set either AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH, not both');
    } else if (secret) {
      credential = { type: 'secret', tenantId, clientId: clientId!, clientSecret: secret };
    } else if (certificatePath) {
      credential = { type: 'certificate', tenantId, clientId: clientId!, certificatePath };
    } else {
      throw new ConfigError(
        'AZURE_CLIENT_SECRET',
        'AZURE_CLIENT_ID is set but no credential is: set AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_USE_MANAGED_IDENTITY=true',
      );
    }
  }

  const botId = read('BOT_ID');
  // Azure no longer creates multi-tenant bots, so single-tenant is the default.
  const botType = read('BOT_TYPE') ?? 'SingleTenant';
  if (!['MultiTenant', 'SingleTenant', 'UserAssignedMsi'].includes(botType)) {
    throw new ConfigError('BOT_TYPE', `expected MultiTenant, SingleTenant or UserAssignedMsi, got "${botType}"`);
  }
  const bot: BotIdentity | undefined = botId
    ? { appId: botId, password: read('BOT_PASSWORD'), tenantId: guid('BOT_TENANT_ID') ?? tenantId, type: botType as BotIdentity['type'] }
    : undefined;
  if (bot && bot.type !== 'UserAssignedMsi' && !bot.password) {
    throw new ConfigError('BOT_PASSWORD', 'required with BOT_ID unless BOT_TYPE=UserAssignedMsi');
  }
  if (bot?.type === 'SingleTenant' && !bot.tenantId) throw new ConfigError('BOT_TENANT_ID', 'required when BOT_TYPE=SingleTenant (or set AZURE_TENANT_ID)');
  const openIdMetadataUrl = httpsOrDevUrl('BOT_OPENID_METADATA_URL');
  const tokenIssuer = read('BOT_TOKEN_ISSUER');
  if (Boolean(openIdMetadataUrl) !== Boolean(tokenIssuer)) {
    throw new ConfigError(openIdMetadataUrl ? 'BOT_TOKEN_ISSUER' : 'BOT_OPENID_METADATA_URL', 'set BOT_OPENID_METADATA_URL and BOT_TOKEN_ISSUER together, or neither');
  }
  if (openIdMetadataUrl && tokenIssuer) {
    if (!bot) throw new ConfigError('BOT_OPENID_METADATA_URL', 'only applies with BOT_ID: it says where the tokens the bot checks come from');
    bot.channelAuth = { openIdMetadataUrl, tokenIssuer };
  }
  // The bot can rewrite Conditional Access: in a real tenant only signed Bot Framework requests may reach it.
  const allowUnauthenticated = flag('ALLOW_UNAUTHENTICATED_BOT', false);
  if (tenantMode && !bot && !allowUnauthenticated) {
    throw new ConfigError(
      'BOT_ID',
      'required in tenant mode: without BOT_ID (and BOT_PASSWORD, or BOT_TYPE=UserAssignedMsi) the bot cannot check that requests come from Teams, so anyone who reaches /api/messages could act as an approver. Set ALLOW_UNAUTHENTICATED_BOT=true only for a local test with the Agents Playground',
    );
  }

  const idList = (name: string): string[] => {
    const ids = (read(name) ?? '').split(',').map((id) => id.trim()).filter(Boolean);
    for (const id of ids) if (!isUserId(id)) throw new ConfigError(name, `expected comma-separated Entra object ids (GUIDs), got "${id}"`);
    return ids;
  };
  const access: AccessPolicy = {
    operatorIds: idList('OPERATOR_IDS'),
    approverIds: idList('APPROVER_IDS'),
    operatorGroupId: guid('OPERATOR_GROUP_ID'),
    approverGroupId: guid('APPROVER_GROUP_ID'),
  };
  const nobodyCanApprove = access.approverIds.length === 0 && !access.approverGroupId;
  if (tenantMode && nobodyCanApprove) {
    throw new ConfigError('APPROVER_IDS', 'no approvers are configured: set APPROVER_IDS (comma-separated Entra object ids) and/or APPROVER_GROUP_ID, and optionally OPERATOR_IDS / OPERATOR_GROUP_ID for people who may only request');
  }
  const approvals: ApprovalSettings = {
    ttlHours: integer('APPROVAL_TTL_HOURS', 24, 1, 24 * 14),
    requiredApprovals: integer('REQUIRED_APPROVALS', 1, 1, 10),
    allowSelfApproval: flag('ALLOW_SELF_APPROVAL', false),
  };

  const storageConnection = read('AZURE_STORAGE_CONNECTION_STRING');
  const storageAccountUrl = httpsOrDevUrl('STATE_ACCOUNT_URL');
  if (storageConnection && storageAccountUrl) throw new ConfigError('STATE_ACCOUNT_URL', 'set either AZURE_STORAGE_CONNECTION_STRING or STATE_ACCOUNT_URL, not both');
  const container = read('STATE_CONTAINER') ?? 'entra-recycle-bin-bot';
  // Storage signs in as a user-assigned managed identity when told so, or as the bot's own when the
  // bot is one (the Agents Toolkit layout: one identity for the bot and the state account).
  const stateIdentity = guid('STATE_MANAGED_IDENTITY_CLIENT_ID');
  if (stateIdentity && !storageAccountUrl) {
    throw new ConfigError('STATE_MANAGED_IDENTITY_CLIENT_ID', 'only applies with STATE_ACCOUNT_URL: it names the identity that signs in to that account');
  }
  const managedIdentityClientId = storageAccountUrl ? stateIdentity ?? (bot?.type === 'UserAssignedMsi' ? bot.appId : undefined) : undefined;
  if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(container)) {
    throw new ConfigError('STATE_CONTAINER', `"${container}" is not a valid blob container name (3-63 lower-case letters, digits and single hyphens)`);
  }

  const logLevel = (read('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `expected debug, info, warn or error, got "${logLevel}"`);
  }

  const telemetryConnection = read('APPLICATIONINSIGHTS_CONNECTION_STRING');
  // The string holds the ingestion key: never repeat it in a message.
  if (telemetryConnection !== undefined && !/(^|;)\s*InstrumentationKey\s*=\s*[^;\s]/i.test(telemetryConnection)) {
    throw new ConfigError('APPLICATIONINSIGHTS_CONNECTION_STRING', 'expected an Application Insights connection string (InstrumentationKey=…;IngestionEndpoint=…), copied from the resource\'s Overview page');
  }

  return {
    mode: tenantMode ? 'tenant' : 'demo',
    access,
    approvals,
    stateDir: read('STATE_DIR') ?? './data',
    azureState: storageConnection || storageAccountUrl ? { connectionString: storageConnection, accountUrl: storageAccountUrl, container, managedIdentityClientId } : undefined,
    graphCaFile: read('GRAPH_CA_FILE'),
    alertPollSeconds: integer('ALERT_POLL_SECONDS', 60, 0, 3600),
    alertMassDeleteThreshold: integer('ALERT_MASS_DELETE_THRESHOLD', 10, 1, 1000),
    historyRetentionDays: integer('HISTORY_RETENTION_DAYS', 365, 1, 3650),
    requestSweepSeconds: integer('REQUEST_SWEEP_SECONDS', 60, 1, 3600),
    requestClaimSeconds: integer('REQUEST_CLAIM_SECONDS', 30, 3, 600),
    shutdownGraceSeconds: integer('SHUTDOWN_GRACE_SECONDS', 10, 1, 300),
    port: integer('PORT', 3978, 0, 65535),
    allowedTenantId: tenantId,
    bot,
    unauthenticatedBot: tenantMode && !bot,
    graph,
    credential,
    playground: {
      enabled: !tenantMode && flag('DEMO_PLAYGROUND', true),
      port: integer('PLAYGROUND_PORT', 56150, 1, 65535),
    },
    logLevel: logLevel as Config['logLevel'],
    telemetry: telemetryConnection ? { connectionString: telemetryConnection } : undefined,
  };
}
