import type { TokenCredential } from '@azure/identity';
import {
  AuthenticationHandler,
  BatchRequestContent,
  Client,
  GraphError,
  PageIterator,
  ResponseType,
  RetryHandler,
  RetryHandlerOptions,
  type PageCollection,
} from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import type { GraphSettings } from '../config';
import { KINDS, kindById } from '../core/kinds';
import { MAX_RESTORES_PER_BATCH, type BatchRestoreResult, type RecycleBin, type RecycleBinWriter } from '../core/recycleBin';
import { InvalidKeyError, isObjectId, isUpnShape, isUserId, requireObjectId, type GraphObject, type ItemRef, type KindId } from '../core/model';
import type { MembershipDirectory, PeopleDirectory } from '../core/access';
import type { AuditSource } from '../core/alertPoller';
import type { PartnerDirectory } from '../core/partnerChanges';
import type { GraphAnswer, SelfTestGraph, TestKind } from '../core/selfTest';
import { AUDIT_PERMISSION } from '../core/kinds';
import type { LiveSource } from '../core/history';
import type { LiveWriter } from '../core/reverts';
import { trackedKind, type TrackedKindId } from '../core/trackedKinds';
import { OrganisationNames, type TenantDirectory } from '../core/organisationNames';
import { DirectoryNames, distinctReferences, type DirectoryNameSource, type DirectoryObjectType, type DirectoryReference } from '../core/directoryNames';
import type { Logger } from '../log';
import { readTokenClaims, type TokenClaims } from './credential';
import { batchAnswers, batchItemError, batchItemRequestId, headerOf } from './batch';
import { toGraphFailure, type GraphFailure } from './errors';
import {
  AUTHENTICATION_STRENGTHS_PATH,
  authenticationStrengthActionPath,
  BATCH_PATH,
  deletedItemPath,
  CA_POLICIES_PATH,
  CROSS_TENANT_DEFAULT_PATH,
  DIRECTORY_DELETED_ITEMS_PATH,
  directoryKindOfType,
  DIRECTORY_AUDITS_PATH,
  restorePath,
  groupPath,
  KIND_PATHS,
  LIVE_COLLECTIONS,
  LIVE_WRITE_VERSION,
  MAX_BATCH_REQUESTS,
  NAMED_LOCATIONS_PATH,
  partnerPath,
  PARTNERS_PATH,
  partnerSyncPath,
  SERVICE_PRINCIPALS_PATH,
  servicePrincipalPath,
  tenantInformationPath,
  userPath,
} from './paths';
import { CallBudget, HttpsTransport, remainingBudget } from './transport';

/** Every id goes into a URL only after it is checked to be a GUID (then encoded anyway). */
const segment = (id: unknown): string => encodeURIComponent(requireObjectId(id));
const userSegment = (id: string): string => {
  if (!isUserId(id)) throw new InvalidKeyError(id);
  return encodeURIComponent(id);
};

const RETRY_DELAY_SECONDS = 1;
/** Rounds of re-sending the items Graph throttled inside a restore batch. */
const BATCH_THROTTLE_RETRIES = 2;
type WriteMethod = 'POST' | 'PATCH' | 'PUT' | 'DELETE';
type Method = WriteMethod | 'GET';

/** A Graph answer read whole: its status, parsed body and request-id. */
interface Exchange {
  status: number;
  body: (GraphObject & { value?: unknown; '@odata.nextLink'?: unknown }) | undefined;
  requestId?: string;
}

/** Directory objects named per details card: three batches; the rest keep their ids. */
const MAX_BATCHED_NAME_LOOKUPS = 3 * MAX_BATCH_REQUESTS;
/**
 * The per-object read that names each batched type, under the least permission that allows it:
 * users User.ReadBasic.All, groups GroupMember.Read.All, apps and service principals Application.Read.All.
 */
const BATCHED_READS: Partial<Record<DirectoryObjectType, (key: string) => string>> = {
  user: (id) => `${userPath(id)}?$select=id,displayName,userPrincipalName`,
  group: (id) => `${groupPath(id)}?$select=id,displayName`,
  servicePrincipal: (id) => `${servicePrincipalPath(id)}?$select=id,displayName`,
  application: (appId) => `${SERVICE_PRINCIPALS_PATH}?$filter=${encodeURIComponent(`appId eq '${appId}'`)}&$select=id,appId,displayName`,
};

/** The audit query the alerts and the self-test share: one service, since a time (activity names are matched by the caller, case-insensitively). */
const auditFilter = (service: string, since: Date): string => `loggedByService eq '${service.replace(/'/g, "''")}' and activityDateTime ge ${since.toISOString()}`;

function liveObjectPath(kind: TrackedKindId, key: string): string {
  switch (kind) {
    case 'default':
      return CROSS_TENANT_DEFAULT_PATH;
    case 'strengths':
      return `${AUTHENTICATION_STRENGTHS_PATH}/${segment(key)}`;
    case 'ca':
      return `${CA_POLICIES_PATH}/${segment(key)}`;
    default:
      return KIND_PATHS[kind].live(segment(key));
  }
}

/** Named locations and authentication strengths change rarely; one list read serves every card for this long. */
const NAME_LIST_TTL_MS = 10 * 60_000;

/** One read of a whole collection's names, kept for a while and shared by concurrent callers. */
class CachedNameList {
  private entry: { names: Promise<Map<string, string>>; expiresAt: number } | undefined;

  constructor(private readonly read: () => Promise<GraphObject[]>) {}

  get(): Promise<Map<string, string>> {
    if (this.entry && this.entry.expiresAt > Date.now()) return this.entry.names;
    const names = this.read().then((items) => new Map(items.map((item) => [String(item.id).toLowerCase(), String(item.displayName ?? item.id)])));
    const entry = { names, expiresAt: Date.now() + NAME_LIST_TTL_MS };
    // A failed read is not kept: the next card tries again.
    names.catch(() => {
      if (this.entry === entry) this.entry = undefined;
    });
    this.entry = entry;
    return names;
  }
}

/**
 * The wait RetryHandler will choose before retry number `attempt`: Retry-After when Graph
 * sends one, else its exponential schedule (1, 3, 5, 9, 17 … s, plus up to 1 s of jitter).
 * Knowing it up front lets a call stop while it still has time to say why.
 */
export function expectedRetryDelayMs(attempt: number, response: { headers?: { get(name: string): string | null } } | undefined): number {
  const retryAfter = Number(response?.headers?.get('Retry-After'));
  if (Number.isFinite(retryAfter) && retryAfter > 0) return retryAfter * 1000;
  const backoff = attempt >= 2 ? Math.round(0.5 * (2 ** attempt - 1)) : 0;
  return (backoff + RETRY_DELAY_SECONDS + 1) * 1000;
}

export interface GraphProbe {
  endpoint: string;
  reachable: boolean;
  /** Set when Graph could not be reached or refused the bot. */
  failure?: GraphFailure;
  claims?: TokenClaims;
}

export interface GraphGatewayOptions {
  settings: GraphSettings;
  credential: TokenCredential;
  logger: Logger;
  trustedCaPem?: string;
}

/**
 * The only caller of Graph (addresses in ./paths). The rest of the bot asks for "deleted
 * items of kind K" or "item K/id" and gets plain objects or a GraphFailure.
 */
export class GraphGateway implements RecycleBin, RecycleBinWriter, LiveSource, LiveWriter, MembershipDirectory, PeopleDirectory, AuditSource, PartnerDirectory, TenantDirectory, DirectoryNameSource, SelfTestGraph {
  private readonly client: Client;
  /** Partners come back from every read with their organisation name (Graph sends none). */
  private readonly organisations = new OrganisationNames({ organisationName: (tenantId) => this.readOrganisationName(tenantId) });
  private readonly transport: HttpsTransport;
  private readonly scope: string;

  constructor(private readonly options: GraphGatewayOptions) {
    const { settings, credential, logger } = options;
    this.scope = `${settings.baseUrl}/.default`;
    this.transport = new HttpsTransport({
      timeoutMs: settings.timeoutMs,
      caMinIntervalMs: settings.caMinIntervalMs,
      trustedCaPem: options.trustedCaPem,
      logger,
    });
    const authProvider = new TokenCredentialAuthenticationProvider(credential, { scopes: [this.scope] });
    // RetryHandler honours Retry-After and otherwise backs off exponentially with jitter;
    // the call budget stops it once the caller would rather hear "try again later".
    const retry = new RetryHandlerOptions(RETRY_DELAY_SECONDS, settings.maxRetries, (_delay, attempts, _request, fetchOptions, response) =>
      remainingBudget(fetchOptions as object) > expectedRetryDelayMs(attempts + 1, response),
    );
    const budget = new CallBudget(settings.retryBudgetMs);
    const authentication = new AuthenticationHandler(authProvider);
    const retryHandler = new RetryHandler(retry);
    budget.setNext(authentication);
    authentication.setNext(retryHandler);
    retryHandler.setNext(this.transport);
    this.client = Client.initWithMiddleware({
      middleware: budget,
      baseUrl: settings.baseUrl,
      defaultVersion: 'v1.0',
      // Without this a non-default endpoint (national cloud, simulator) gets no token.
      customHosts: new Set([new URL(settings.baseUrl).hostname]),
    });
  }

  async listDeleted(kindId: KindId): Promise<GraphObject[]> {
    const kind = kindById(kindId);
    const paths = KIND_PATHS[kindId];
    const items = await this.call({ operation: `list deleted ${kind.plural}`, permission: kind.permissions.read }, async () => {
      let request = this.client.api(paths.deletedItems).version(paths.version);
      const query = paths.listQuery;
      // The directory sorts deletedItems only as an advanced query: $count with ConsistencyLevel: eventual.
      if (query) request = request.select(query.select).orderby(query.orderBy).top(query.top).count(query.count).header('ConsistencyLevel', 'eventual');
      return this.allPages(await request.get());
    });
    return kind.key === 'tenantId' ? this.organisations.named(items) : items;
  }

  async getDeleted(kindId: KindId, id: string): Promise<GraphObject | undefined> {
    const kind = kindById(kindId);
    const paths = KIND_PATHS[kindId];
    const item = await this.getOrUndefined(`read deleted ${kind.label} ${id}`, kind.permissions.read, deletedItemPath(paths, segment(id)), paths.version);
    // One directory collection holds every type: an object of another type is not this kind's.
    if (item && paths.odataType && String(item['@odata.type'] ?? '').toLowerCase() !== paths.odataType.toLowerCase()) return undefined;
    return item && kind.key === 'tenantId' ? (await this.organisations.named([item]))[0] : item;
  }

  /** One read of /directory/deletedItems/{id}: the object comes with its @odata.type, which says its kind. */
  async getDeletedDirectoryObject(id: string): Promise<{ kind: KindId; raw: GraphObject } | undefined> {
    const directoryKinds = KINDS.filter((k) => k.family === 'directory');
    // Graph checks the permission that the object's type needs; any one of these reads its kind.
    const permission = [...new Set(directoryKinds.map((k) => k.permissions.read))].join(' / ');
    const raw = await this.getOrUndefined(`read deleted directory object ${id}`, permission, `${DIRECTORY_DELETED_ITEMS_PATH}/${segment(id)}`, 'v1.0');
    const kind = raw ? directoryKindOfType(raw['@odata.type']) : undefined;
    return raw && kind ? { kind, raw } : undefined;
  }

  async restore(ref: ItemRef, options: { newUserPrincipalName?: string } = {}): Promise<{ item: GraphObject; requestId?: string }> {
    const kind = kindById(ref.kind);
    const paths = KIND_PATHS[ref.kind];
    const upn = options.newUserPrincipalName;
    if (upn !== undefined && (ref.kind !== 'users' || !isUpnShape(upn))) throw new Error(`newUserPrincipalName applies to users only, in a UPN's shape`);
    const body = upn ? { ...paths.restoreBody, newUserPrincipalName: upn } : paths.restoreBody;
    return this.call({ operation: `restore ${kind.label} ${ref.id}${upn ? ` as ${upn}` : ''}`, permission: kind.permissions.restore }, async () => {
      const { body: restored, requestId } = await this.send('POST', restorePath(paths, segment(ref.id)), paths.version, body);
      return { item: restored ?? {}, requestId };
    });
  }

  /**
   * Restores in one POST /$batch (the library's BatchRequestContent), answering per item.
   * Items Graph throttled inside the batch are sent again, in one more batch, after the wait it asked for.
   */
  async restoreBatch(refs: ItemRef[]): Promise<BatchRestoreResult[]> {
    if (refs.length === 0) return [];
    if (refs.length > MAX_RESTORES_PER_BATCH) throw new Error(`at most ${MAX_RESTORES_PER_BATCH} restores go in one batch`);
    const versions = new Set(refs.map((ref) => KIND_PATHS[ref.kind].version));
    if (versions.size > 1) throw new Error('one batch holds restores of one Graph version');
    const results = new Map<number, BatchRestoreResult>();
    let waiting = refs.map((ref, index) => ({ ref, index }));
    for (let round = 0; round <= BATCH_THROTTLE_RETRIES && waiting.length > 0; round++) {
      const answers = await this.postRestoreBatch(waiting.map((w) => w.ref));
      const throttled: typeof waiting = [];
      let waitMs = 0;
      answers.forEach((answer, position) => {
        const entry = waiting[position];
        if (!answer.ok && answer.status === 429 && round < BATCH_THROTTLE_RETRIES) {
          throttled.push(entry);
          waitMs = Math.max(waitMs, answer.retryAfterMs);
        } else results.set(entry.index, answer.result);
      });
      waiting = throttled;
      if (waiting.length > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
    return refs.map((_ref, index) => results.get(index)!);
  }

  private async postRestoreBatch(refs: ItemRef[]): Promise<{ ok: boolean; status: number; retryAfterMs: number; result: BatchRestoreResult }[]> {
    const version = KIND_PATHS[refs[0].kind].version;
    const origin = this.options.settings.baseUrl;
    const steps = refs.map((ref, index) => {
      const paths = KIND_PATHS[ref.kind];
      // BatchRequestContent keeps only the path of the URL: it is relative to the batch's version root.
      const url = `${origin}${restorePath(paths, segment(ref.id))}`;
      const request = new Request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(paths.restoreBody ?? {}) });
      return { id: String(index + 1), request };
    });
    const permission = [...new Set(refs.map((ref) => kindById(ref.kind).permissions.restore))].join(' / ');
    const { body, requestId: batchRequestId } = await this.call({ operation: `restore ${refs.length} deleted items in one batch`, permission }, async () => {
      const content = await new BatchRequestContent(steps).getContent();
      // Read raw: the outer response's request-id is the fallback for items whose answer carries none.
      return this.exchange('POST', BATCH_PATH, version, content);
    });
    const answers = batchAnswers(body);
    return refs.map((ref, index) => {
      const answer = answers.get(String(index + 1));
      const requestId = batchItemRequestId(answer, batchRequestId);
      const status = answer?.status ?? 0;
      if (answer && status >= 200 && status < 300) return { ok: true, status, retryAfterMs: 0, result: { ref, ok: true as const, requestId } };
      const error = answer ? batchItemError(answer) : {};
      const retryAfter = Number(answer && headerOf(answer.headers, 'retry-after'));
      return {
        ok: false,
        status,
        retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : (RETRY_DELAY_SECONDS + 1) * 1000,
        result: { ref, ok: false as const, status, code: error.code, message: error.message ?? (answer ? `status ${status}` : 'no answer for this item'), requestId },
      };
    });
  }

  async setReportOnly(policyId: string): Promise<{ requestId?: string }> {
    const kind = kindById('ca');
    return this.call({ operation: `switch Conditional Access policy ${policyId} to report-only`, permission: kind.permissions.restore }, async () => {
      const { requestId } = await this.send('PATCH', KIND_PATHS.ca.live(segment(policyId)), LIVE_WRITE_VERSION, { state: 'enabledForReportingButNotEnforced' });
      return { requestId };
    });
  }

  async getLive(ref: ItemRef): Promise<GraphObject | undefined> {
    const kind = kindById(ref.kind);
    const paths = KIND_PATHS[ref.kind];
    return this.getOrUndefined(`read ${kind.label} ${ref.id}`, kind.permissions.read, paths.live(segment(ref.id)), paths.version);
  }

  // ---- live objects, for change history ---------------------------------------------

  /**
   * One listing per tracked kind: CA policies and named locations (paced like every CA path),
   * partners with their identity-sync policies in one call (`$expand`), the default
   * configuration, and the custom authentication strengths. A kind that fails is reported, not thrown.
   */
  async listLive(): Promise<Awaited<ReturnType<LiveSource['listLive']>>> {
    const listings: Partial<Record<TrackedKindId, GraphObject[]>> = {};
    const failures: { kind: TrackedKindId; error: unknown }[] = [];
    const read = async (kinds: TrackedKindId[], work: () => Promise<Partial<Record<TrackedKindId, GraphObject[]>>>) => {
      try {
        Object.assign(listings, await work());
      } catch (error) {
        for (const kind of kinds) failures.push({ kind, error });
      }
    };
    const list = (operation: string, path: string) =>
      this.call({ operation, permission: 'Policy.Read.All' }, async () => this.allPages(await this.client.api(path).version(LIVE_WRITE_VERSION).get()));
    await Promise.all([
      read(['ca'], async () => ({ ca: await list('list Conditional Access policies', CA_POLICIES_PATH) })),
      read(['locations'], async () => ({ locations: await list('list named locations', NAMED_LOCATIONS_PATH) })),
      read(['partners', 'sync'], async () => {
        const expanded = await list('list cross-tenant partner configurations', `${PARTNERS_PATH}?$expand=identitySynchronization`);
        const partners = await this.organisations.named(expanded.map(({ identitySynchronization: _sync, ...partner }) => partner));
        const sync = expanded
          .filter((partner) => partner.identitySynchronization && typeof partner.identitySynchronization === 'object')
          .map((partner) => ({ ...(partner.identitySynchronization as GraphObject), tenantId: partner.tenantId }));
        return { partners, sync };
      }),
      read(['default'], async () => ({
        default: [await this.call({ operation: 'read the default cross-tenant access configuration', permission: 'Policy.Read.All' }, async () => (await this.client.api(CROSS_TENANT_DEFAULT_PATH).version(LIVE_WRITE_VERSION).get()) as GraphObject)],
      })),
      read(['strengths'], async () => ({
        strengths: (await list('list authentication strengths', AUTHENTICATION_STRENGTHS_PATH)).filter((strength) => strength.policyType === 'custom'),
      })),
    ]);
    return { listings, failures };
  }

  /** PATCH (PUT for identity-sync policies, per their metadata) of a live object. */
  async writeLive(kind: TrackedKindId, key: string, body: GraphObject): Promise<{ requestId?: string }> {
    const tracked = trackedKind(kind);
    const permission = kind === 'partners' || kind === 'sync' || kind === 'default' ? 'Policy.ReadWrite.CrossTenantAccess' : 'Policy.ReadWrite.ConditionalAccess';
    const path = liveObjectPath(kind, key);
    return this.call({ operation: `write the ${tracked.label} ${key}`, permission }, async () => {
      const { requestId } = await this.send(kind === 'sync' ? 'PUT' : 'PATCH', path, LIVE_WRITE_VERSION, body);
      return { requestId };
    });
  }

  /** POST of the updateAllowedCombinations action: Graph changes a custom strength's combinations only this way, never by PATCH. */
  async updateAllowedCombinations(id: string, allowedCombinations: string[]): Promise<{ requestId?: string }> {
    return this.call({ operation: `set the allowed combinations of the authentication strength ${id}`, permission: 'Policy.ReadWrite.ConditionalAccess' }, async () => {
      const { requestId } = await this.send('POST', authenticationStrengthActionPath(segment(id), 'updateAllowedCombinations'), LIVE_WRITE_VERSION, { allowedCombinations });
      return { requestId };
    });
  }

  /** POST of a custom authentication strength (a recreate): the created strength, with its new id. */
  async createStrength(body: GraphObject): Promise<{ value: GraphObject; requestId?: string }> {
    return this.call({ operation: `create the authentication strength "${String(body.displayName ?? '')}"`, permission: 'Policy.ReadWrite.ConditionalAccess' }, async () => {
      const { body: created, requestId } = await this.send('POST', AUTHENTICATION_STRENGTHS_PATH, LIVE_WRITE_VERSION, body);
      return { value: created ?? {}, requestId };
    });
  }

  /** The custom strengths with this display name (every page, compared here: $filter on displayName is not documented for them). */
  async strengthsNamed(displayName: string): Promise<GraphObject[]> {
    return this.call({ operation: `find authentication strengths named "${displayName}"`, permission: 'Policy.Read.All' }, async () => {
      const all = this.allPages(await this.client.api(AUTHENTICATION_STRENGTHS_PATH).version(LIVE_WRITE_VERSION).get());
      return (await all).filter((strength) => strength.policyType === 'custom' && strength.displayName === displayName);
    });
  }

  /** The live object as a history cycle reads it (v1.0), or undefined when it does not exist. */
  async readLiveObject(kind: TrackedKindId, key: string): Promise<GraphObject | undefined> {
    const object = await this.getOrUndefined(`read the ${trackedKind(kind).label} ${key}`, 'Policy.Read.All', liveObjectPath(kind, key), LIVE_WRITE_VERSION);
    if (!object || kind !== 'sync') return object;
    return { ...object, tenantId: object.tenantId ?? key };
  }

  // ---- live cross-tenant partner configurations -------------------------------------

  async listPartners(): Promise<GraphObject[]> {
    const partners = await this.call({ operation: 'list cross-tenant partner configurations', permission: 'Policy.Read.All' }, async () =>
      this.allPages(await this.client.api(PARTNERS_PATH).get()),
    );
    return this.organisations.named(partners);
  }

  async getPartner(tenantId: string): Promise<GraphObject | undefined> {
    const partner = await this.getOrUndefined(`read the partner configuration of ${tenantId}`, 'Policy.Read.All', partnerPath(segment(tenantId)));
    return partner && (await this.organisations.named([partner]))[0];
  }

  /** A tenant's organisation name from the cache or Graph; undefined when unknown or unreadable. */
  organisationName(tenantId: string): Promise<string | undefined> {
    return this.organisations.nameOf(tenantId);
  }

  /** Any tenant's organisation name (CrossTenantInformation.ReadBasic.All); undefined when Graph knows no such tenant. */
  private async readOrganisationName(tenantId: string): Promise<string | undefined> {
    const information = await this.getOrUndefined(`read the organisation name of tenant ${tenantId}`, 'CrossTenantInformation.ReadBasic.All', tenantInformationPath(segment(tenantId)));
    return typeof information?.displayName === 'string' && information.displayName ? information.displayName : undefined;
  }

  async getPartnerSync(tenantId: string): Promise<GraphObject | undefined> {
    return this.getOrUndefined(`read the identity-sync policy of ${tenantId}`, 'Policy.Read.All', partnerSyncPath(segment(tenantId)));
  }

  async createPartner(body: GraphObject): Promise<{ requestId?: string }> {
    requireObjectId(body.tenantId);
    return this.write(`create the partner configuration of ${String(body.tenantId)}`, 'POST', PARTNERS_PATH, body);
  }

  async patchPartner(tenantId: string, body: GraphObject): Promise<{ requestId?: string }> {
    return this.write(`update the partner configuration of ${tenantId}`, 'PATCH', partnerPath(segment(tenantId)), body);
  }

  async putPartnerSync(tenantId: string, body: GraphObject): Promise<{ requestId?: string }> {
    return this.write(`set the identity-sync policy of ${tenantId}`, 'PUT', partnerSyncPath(segment(tenantId)), body);
  }

  async deletePartnerSync(tenantId: string): Promise<{ requestId?: string }> {
    return this.write(`delete the identity-sync policy of ${tenantId}`, 'DELETE', partnerSyncPath(segment(tenantId)));
  }

  async deletePartner(tenantId: string): Promise<{ requestId?: string }> {
    return this.write(`delete the partner configuration of ${tenantId}`, 'DELETE', partnerPath(segment(tenantId)));
  }

  private write(operation: string, method: WriteMethod, path: string, body?: GraphObject): Promise<{ requestId?: string }> {
    return this.call({ operation, permission: 'Policy.ReadWrite.CrossTenantAccess' }, async () => {
      const { requestId } = await this.send(method, path, LIVE_WRITE_VERSION, body);
      return { requestId };
    });
  }

  private getOrUndefined(operation: string, permission: string, path: string, version = 'v1.0'): Promise<GraphObject | undefined> {
    return this.call({ operation, permission }, async () => {
      try {
        return (await this.client.api(path).version(version).get()) as GraphObject;
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return undefined;
        throw error;
      }
    });
  }

  /** Directory audit records of one service since a time (newest first), all pages. */
  async directoryAudits(service: string, since: Date): Promise<GraphObject[]> {
    return this.call({ operation: `read the ${service} audit log`, permission: AUDIT_PERMISSION }, async () => {
      return this.allPages(await this.client.api(DIRECTORY_AUDITS_PATH).filter(auditFilter(service, since)).get());
    });
  }

  // ---- the self-test: every call answers with its request-id ------------------------

  /** POST of a new CA policy or named location (the self-test's objects, and recreated ones). */
  async create(kind: TestKind, body: GraphObject): Promise<GraphAnswer<GraphObject>> {
    const { label, permissions } = kindById(kind);
    return this.call({ operation: `create the ${label} "${String(body.displayName ?? '')}"`, permission: permissions.restore }, async () => {
      const { body: created, requestId } = await this.send('POST', LIVE_COLLECTIONS[kind], LIVE_WRITE_VERSION, body);
      return { value: created ?? {}, requestId };
    });
  }

  async deleteLive(ref: ItemRef): Promise<GraphAnswer<void>> {
    const { label, permissions } = kindById(ref.kind);
    return this.call({ operation: `delete the ${label} ${ref.id}`, permission: permissions.restore }, async () => {
      const { requestId } = await this.send('DELETE', KIND_PATHS[ref.kind].live(segment(ref.id)), LIVE_WRITE_VERSION);
      return { value: undefined, requestId };
    });
  }

  readLive(ref: ItemRef): Promise<GraphAnswer<GraphObject | undefined>> {
    const { label, permissions } = kindById(ref.kind);
    const paths = KIND_PATHS[ref.kind];
    return this.readWithId(`read the ${label} ${ref.id}`, permissions.read, paths.live(segment(ref.id)), paths.version);
  }

  readDeleted(ref: ItemRef): Promise<GraphAnswer<GraphObject | undefined>> {
    const { label, permissions } = kindById(ref.kind);
    const paths = KIND_PATHS[ref.kind];
    return this.readWithId(`read the deleted ${label} ${ref.id}`, permissions.read, `${paths.deletedItems}/${segment(ref.id)}`, paths.version);
  }

  async purge(ref: ItemRef): Promise<GraphAnswer<void>> {
    const { label, permissions } = kindById(ref.kind);
    const paths = KIND_PATHS[ref.kind];
    return this.call({ operation: `purge the deleted ${label} ${ref.id}`, permission: permissions.restore }, async () => {
      const { requestId } = await this.send('DELETE', `${paths.deletedItems}/${segment(ref.id)}`, paths.version);
      return { value: undefined, requestId };
    });
  }

  async readAudit(service: string, since: Date): Promise<GraphAnswer<GraphObject[]>> {
    return this.call({ operation: `read the ${service} audit log`, permission: AUDIT_PERMISSION }, () =>
      this.pagesWithId(DIRECTORY_AUDITS_PATH, 'v1.0', { $filter: auditFilter(service, since) }),
    );
  }

  async liveNamed(kind: TestKind, displayName: string): Promise<GraphAnswer<GraphObject[]>> {
    const { plural, permissions } = kindById(kind);
    return this.call({ operation: `find ${plural} named "${displayName}"`, permission: permissions.read }, async () => {
      // Every page with only the names and creation times: $filter on displayName is not documented for both collections.
      const { value, requestId } = await this.pagesWithId(LIVE_COLLECTIONS[kind], KIND_PATHS[kind].version, { $select: 'id,displayName,createdDateTime' });
      return { value: value.filter((item) => item.displayName === displayName), requestId };
    });
  }

  /** One object with the request-id of its read; undefined on 404. */
  private readWithId(operation: string, permission: string, path: string, version: string): Promise<GraphAnswer<GraphObject | undefined>> {
    return this.call({ operation, permission }, async () => {
      const { status, body, requestId } = await this.exchange('GET', path, version, undefined, { notFound: true });
      return { value: status === 404 ? undefined : (body ?? {}), requestId };
    });
  }

  /** Every item of a collection, following @odata.nextLink, with the request-id of the first page. */
  private async pagesWithId(path: string, version: string, query: Record<string, string>): Promise<GraphAnswer<GraphObject[]>> {
    const items: GraphObject[] = [];
    let page = await this.exchange('GET', path, version, undefined, { query });
    const requestId = page.requestId;
    for (;;) {
      if (Array.isArray(page.body?.value)) items.push(...(page.body.value as GraphObject[]));
      const next = page.body?.['@odata.nextLink'];
      if (typeof next !== 'string') return { value: items, requestId };
      page = await this.exchange('GET', next, undefined);
    }
  }

  async memberGroups(userId: string, groupIds: string[]): Promise<string[]> {
    return this.call({ operation: 'check the group membership of the user', permission: 'GroupMember.Read.All' }, async () => {
      const answer = (await this.client.api(`${userPath(userSegment(userId))}/checkMemberGroups`).post({ groupIds })) as { value?: unknown };
      return Array.isArray(answer.value) ? answer.value.filter((id): id is string => typeof id === 'string') : [];
    });
  }

  /** A user's display name from the directory (User.ReadBasic.All), or undefined when there is no such user. */
  async displayNameOf(userId: string): Promise<string | undefined> {
    const path = userPath(userSegment(userId));
    return this.call({ operation: 'read the name of the user', permission: 'User.ReadBasic.All' }, async () => {
      try {
        const user = (await this.client.api(path).select('displayName').get()) as { displayName?: unknown };
        return typeof user.displayName === 'string' && user.displayName ? user.displayName : undefined;
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return undefined;
        throw error;
      }
    });
  }

  // ---- names of referenced directory objects ------------------------------------------

  private readonly namedLocations = new CachedNameList(() =>
    this.call({ operation: 'read the names of named locations', permission: 'Policy.Read.All' }, async () =>
      this.allPages(await this.client.api(NAMED_LOCATIONS_PATH).select(['id', 'displayName']).get()),
    ),
  );

  private readonly authenticationStrengths = new CachedNameList(() =>
    this.call({ operation: 'read the names of authentication strengths', permission: 'Policy.Read.All' }, async () =>
      this.allPages(await this.client.api(AUTHENTICATION_STRENGTHS_PATH).select(['id', 'displayName']).get()),
    ),
  );

  /**
   * Names for what a policy references: users and groups by per-object reads in $batch calls
   * (User.ReadBasic.All, GroupMember.Read.All: no Directory.Read.All), named locations and
   * authentication strengths from cached list reads. Each lookup that fails leaves its ids unnamed.
   */
  async directoryNames(references: DirectoryReference[]): Promise<DirectoryNames> {
    const names = new DirectoryNames();
    const distinct = distinctReferences(references).filter((ref) => isObjectId(ref.id));
    const objects = distinct.filter((ref) => BATCHED_READS[ref.type] !== undefined).slice(0, MAX_BATCHED_NAME_LOOKUPS);
    const batches: DirectoryReference[][] = [];
    for (let start = 0; start < objects.length; start += MAX_BATCH_REQUESTS) batches.push(objects.slice(start, start + MAX_BATCH_REQUESTS));
    const fromList = async (type: DirectoryObjectType, list: CachedNameList) => {
      const wanted = distinct.filter((ref) => ref.type === type);
      if (wanted.length === 0) return;
      const known = await list.get();
      for (const ref of wanted) {
        const name = known.get(ref.id.toLowerCase());
        names.set(type, ref.id, name ? { name } : { missing: true });
      }
    };
    await Promise.allSettled([
      ...batches.map((batch) => this.nameInBatch(batch, names)),
      fromList('location', this.namedLocations),
      fromList('authenticationStrength', this.authenticationStrengths),
    ]);
    return names;
  }

  private nameInBatch(references: DirectoryReference[], names: DirectoryNames): Promise<void> {
    const requests = references.map((ref, index) => ({ id: String(index), method: 'GET', url: BATCHED_READS[ref.type]!(segment(ref.id)) }));
    // The batch itself needs no permission; each read inside it is refused or answered on its own.
    return this.call({ operation: 'read the names of referenced users, groups and apps', permission: 'User.ReadBasic.All' }, async () => {
      const answer = (await this.client.api(BATCH_PATH).post({ requests })) as { responses?: { id?: string; status?: number; body?: GraphObject }[] };
      for (const response of answer.responses ?? []) {
        const ref = references[Number(response.id)];
        if (!ref || (response.status !== 200 && response.status !== 404)) continue;
        // An app id is looked up by filter: an empty answer means no such app in this tenant.
        const found = Array.isArray(response.body?.value) ? (response.body.value[0] as GraphObject | undefined) : response.body;
        const displayName = response.status === 200 ? found?.displayName : undefined;
        if (typeof displayName !== 'string') names.set(ref.type, ref.id, { missing: true });
        else {
          const upn = found?.userPrincipalName;
          names.set(ref.type, ref.id, { name: typeof upn === 'string' && upn ? `${displayName} (${upn})` : displayName });
        }
      }
    });
  }

  /** Follows @odata.nextLink (the library's PageIterator) and returns every item. */
  private async allPages(firstPage: PageCollection): Promise<GraphObject[]> {
    const items: GraphObject[] = [];
    await new PageIterator(this.client, firstPage, (item: GraphObject) => {
      items.push(item);
      return true;
    }).iterate();
    return items;
  }

  /** A write whose Graph request-id we keep for the audit log, success or not. */
  private async send(method: WriteMethod, path: string, version: string, body: unknown = undefined) {
    const { body: parsed, requestId } = await this.exchange(method, path, version, body);
    return { body: parsed, requestId };
  }

  /**
   * One request read whole, with its request-id; a failure is thrown as the client's
   * GraphError. `path` may be an absolute @odata.nextLink (then `version` is unset).
   * With `notFound`, a 404 is an answer rather than a failure.
   */
  private async exchange(method: Method, path: string, version: string | undefined, body: unknown = undefined, options: { query?: Record<string, string>; notFound?: boolean } = {}): Promise<Exchange> {
    let request = this.client.api(path).responseType(ResponseType.RAW);
    if (version) request = request.version(version);
    if (options.query) request = request.query(options.query);
    const calls: Record<Method, () => Promise<unknown>> = {
      GET: () => request.get(),
      POST: () => request.post(body ?? {}),
      PATCH: () => request.patch(body),
      PUT: () => request.put(body),
      DELETE: () => request.delete(),
    };
    const response = (await calls[method]()) as Response;
    const requestId = response.headers.get('request-id') ?? undefined;
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as Exchange['body'] & { error?: { code?: string; message?: string } }) : undefined;
    if (response.status === 404 && options.notFound) return { status: 404, body: undefined, requestId };
    if (!response.ok) {
      const error = new GraphError(response.status, parsed?.error?.message ?? response.statusText);
      error.code = parsed?.error?.code ?? null;
      error.requestId = requestId ?? null;
      throw error;
    }
    return { status: response.status, body: parsed, requestId };
  }

  /** For `status`: does Graph answer, and which application permissions does our token carry? */
  async probe(): Promise<GraphProbe> {
    const endpoint = this.options.settings.baseUrl;
    try {
      const token = await this.options.credential.getToken(this.scope);
      if (!token) throw new Error('the credential returned no token');
      const claims = readTokenClaims(token.token);
      try {
        await this.client.api(PARTNERS_PATH).top(1).get();
        return { endpoint, reachable: true, claims };
      } catch (error) {
        const failure = toGraphFailure(error, { operation: 'read cross-tenant partners', permission: 'Policy.Read.All' });
        // Any HTTP answer, even a refusal, proves Graph is reachable.
        return { endpoint, reachable: failure.status > 0, failure, claims };
      }
    } catch (error) {
      return { endpoint, reachable: false, failure: toGraphFailure(error, { operation: 'get a Graph token', permission: 'Policy.Read.All' }) };
    }
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  private async call<T>(context: { operation: string; permission: string }, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof InvalidKeyError) throw error;
      const failure = toGraphFailure(error, context);
      this.options.logger.warn('graph.failure', {
        operation: failure.operation,
        status: failure.status,
        code: failure.code,
        requestId: failure.requestId,
      });
      throw failure;
    }
  }
}
