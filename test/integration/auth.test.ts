import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { AppCredentials } from 'botframework-connector';
import { UNAUTHENTICATED_FOOTER } from '../../src/bot/app';
import { DEMO_IDS } from '../../src/simulator';
import { BotHarness, cardReply, cardText } from '../support/botHarness';
import { FakeTokenIssuer } from '../support/tokenIssuer';

/**
 * Finding 1: in tenant mode the bot must authenticate every request. Tokens come from a
 * local fake Bot Framework issuer, so the real botbuilder validation runs offline.
 */

const BOT_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const TENANT_ID = randomUUID();
/** Bot Framework's scope for the bot's outbound calls, part of botbuilder's token cache key. */
const CHANNEL_SCOPE = 'https://api.botframework.com';

function tenantModeEnv(extra: Record<string, string>): Record<string, string> {
  return {
    AZURE_CLIENT_ID: randomUUID(),
    AZURE_TENANT_ID: TENANT_ID,
    AZURE_CLIENT_SECRET: 'graph-secret',
    OPERATOR_GROUP_ID: DEMO_IDS.operatorsGroup,
    APPROVER_GROUP_ID: DEMO_IDS.approversGroup,
    ...extra,
  };
}

describe('bot authentication in tenant mode', () => {
  describe('with BOT_ID, against a Bot Framework token issuer', () => {
    let issuer: FakeTokenIssuer;
    let harness: BotHarness;
    const graphCalls: string[] = [];
    const outboundToken = `outbound-${randomUUID()}`;

    before(async () => {
      issuer = await FakeTokenIssuer.start();
      harness = await BotHarness.start({
        simulator: { tenantId: TENANT_ID, log: (entry) => graphCalls.push(String(entry.path)) },
        env: tenantModeEnv({ BOT_ID, BOT_PASSWORD: 'bot-secret', BOT_OPENID_METADATA_URL: issuer.metadataUrl, BOT_TOKEN_ISSUER: issuer.issuer }),
      });
      // Outbound replies need the bot's own token from Entra, which is not reachable offline: botbuilder
      // looks in its token cache first, so the test puts one there and everything after that is real.
      (AppCredentials as unknown as { cache: Map<string, unknown> }).cache.set(`${BOT_ID}${CHANNEL_SCOPE}-cache`, {
        accessToken: outboundToken,
        expiresOn: new Date(Date.now() + 3_600_000),
      });
    });

    after(async () => {
      await harness.stop();
      await issuer.close();
    });

    const graphRequests = () => graphCalls.filter((path) => /^\/(v1\.0|beta)\//.test(path)).length;

    const rejected: [string, () => Record<string, string>][] = [
      ['no token', () => ({})],
      ['an expired token', () => bearer(issuer.token({ aud: BOT_ID, serviceurl: harness.connector.url, expiresIn: -3600 }))],
      ['a token for another bot', () => bearer(issuer.token({ aud: randomUUID(), serviceurl: harness.connector.url }))],
      ['a token from another issuer', () => bearer(issuer.token({ iss: 'https://api.botframework.attacker', aud: BOT_ID, serviceurl: harness.connector.url }))],
      ['a token with a bad signature', () => bearer(issuer.token({ aud: BOT_ID, serviceurl: harness.connector.url }, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey))],
      ['a token for another serviceUrl', () => bearer(issuer.token({ aud: BOT_ID, serviceurl: 'https://smba.attacker.example/' }))],
    ];
    for (const [what, headers] of rejected) {
      it(`answers ${what} with 401, no reply and no Graph call`, async () => {
        const conversation = harness.conversation();
        const graphBefore = graphRequests();
        const connectorBefore = harness.connector.activities.length;
        const logsBefore = harness.logs.entries.length;
        const result = await conversation.post(conversation.message('deleted'), headers());
        assert.equal(result.status, 401);
        assert.deepEqual(result.response, { error: 'unauthorized' });
        assert.equal(harness.connector.activities.length, connectorBefore, 'nothing was sent to the connector');
        assert.equal(graphRequests(), graphBefore, 'Graph was not called');
        const logged = harness.logs.entries.slice(logsBefore);
        assert.ok(logged.some((e) => e.event === 'http.auth.rejected' && e.level === 'warn' && e.status === 401), JSON.stringify(logged));
        assert.ok(!logged.some((e) => e.event === 'command'), 'no route ran');
      });
    }

    it('serves a valid token and replies through the connector with the bot\'s own token', async () => {
      const conversation = harness.conversation();
      const graphBefore = graphRequests();
      const result = await conversation.post(conversation.message('deleted'), bearer(issuer.token({ aud: BOT_ID, serviceurl: harness.connector.url })));
      assert.equal(result.status, 200);
      const { card } = cardReply(result.replies);
      assert.match(cardText(card), /Deleted policies and partners/);
      assert.ok(graphRequests() > graphBefore, 'the listing came from Graph');
      const sent = harness.connector.postsTo(conversation.id).at(-1)!;
      assert.equal(sent.authorization, `Bearer ${outboundToken}`);
    });
  });

  describe('with ALLOW_UNAUTHENTICATED_BOT=true and no BOT_ID', () => {
    let harness: BotHarness;

    before(async () => {
      harness = await BotHarness.start({ simulator: { tenantId: TENANT_ID }, env: tenantModeEnv({ ALLOW_UNAUTHENTICATED_BOT: 'true' }) });
    });

    after(() => harness.stop());

    it('logs an error at start-up', () => {
      const entry = harness.logs.entries.find((e) => e.event === 'bot.unauthenticated');
      assert.equal(entry?.level, 'error');
    });

    it('states it on every card, the status card saying it twice', async () => {
      for (const command of ['help', 'deleted', 'status']) {
        const { card } = cardReply(await harness.conversation().say(command));
        assert.ok(cardText(card).includes(UNAUTHENTICATED_FOOTER), `${command} card footer: ${cardText(card)}`);
      }
      const { card } = cardReply(await harness.conversation().say('status'));
      assert.match(cardText(card), /Requests are NOT authenticated \(ALLOW_UNAUTHENTICATED_BOT=true\)/);
      assert.match(cardText(card), /Inbound requests: NOT authenticated/);
    });
  });
});

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
