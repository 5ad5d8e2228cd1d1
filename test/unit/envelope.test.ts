import assert from 'node:assert/strict';
import { checkEnvelope, type EnvelopeRules } from '../../src/bot/envelope';

const ANY: EnvelopeRules = { httpServiceUrl: 'any' };

function activity(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'message',
    channelId: 'msteams',
    serviceUrl: 'https://smba.trafficmanager.net/emea/',
    conversation: { id: 'a:1' },
    from: { id: '29:1', aadObjectId: '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9' },
    recipient: { id: '28:bot' },
    text: 'help',
    ...overrides,
  };
}

function reasonFor(body: unknown, rules: EnvelopeRules = ANY): string | undefined {
  const check = checkEnvelope(body, rules);
  return check.ok ? undefined : check.reason;
}

describe('activity envelope', () => {
  it('accepts a Teams message, an invoke with a verb, and an activity without optional fields', () => {
    assert.equal(reasonFor(activity()), undefined);
    assert.equal(reasonFor(activity({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: 'list.page' } } })), undefined);
    assert.equal(reasonFor(activity({ text: undefined, from: { id: '29:1' } })), undefined);
  });

  const refused: [string, unknown, string][] = [
    ['a body that is not an object', [activity()], 'body is not a JSON object'],
    ['no type', activity({ type: undefined }), 'type missing'],
    ['a type that is not a string', activity({ type: 7 }), 'type missing'],
    ['no channelId', activity({ channelId: undefined }), 'channelId missing'],
    ['no serviceUrl', activity({ serviceUrl: undefined }), 'serviceUrl missing'],
    ['a serviceUrl that is not a URL', activity({ serviceUrl: 'not a url' }), 'serviceUrl is not a URL'],
    ['a serviceUrl that is not http(s)', activity({ serviceUrl: 'file:///etc/passwd' }), 'serviceUrl is not http(s)'],
    ['no conversation', activity({ conversation: undefined }), 'conversation.id missing'],
    ['an empty conversation', activity({ conversation: {} }), 'conversation.id missing'],
    ['no from', activity({ from: undefined }), 'from.id missing'],
    ['a numeric aadObjectId', activity({ from: { id: '29:1', aadObjectId: 42 } }), 'from.aadObjectId is not a string'],
    ['a recipient that is not an object', activity({ recipient: 'bot' }), 'recipient is not an object'],
    ['no recipient (teams-ai reads recipient.id on every turn)', activity({ recipient: undefined }), 'recipient.id missing'],
    ['a tenant id that is not a string (the reply would not serialize)', activity({ conversation: { id: 'a:1', tenantId: { id: 'x' } } }), 'conversation.tenantId has the wrong type'],
    ['isGroup that is not a boolean', activity({ conversation: { id: 'a:1', isGroup: 'yes' } }), 'conversation.isGroup has the wrong type'],
    ['entities that are not an array', activity({ entities: 'mention' }), 'entities is not an array'],
    ['a mention that names no one', activity({ entities: [{ type: 'mention', text: '<at>x</at>', mentioned: null }] }), 'a mention entity is malformed'],
    ['an invoke other than a card action', activity({ type: 'invoke', name: 'task/fetch', value: {} }), 'invoke not supported'],
    ['text that is not a string', activity({ text: { html: 'x' } }), 'text is not a string'],
    ['a card action with no value', activity({ type: 'invoke', name: 'adaptiveCard/action' }), 'value.action.verb missing'],
    ['a card action with no verb', activity({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute' } } }), 'value.action.verb missing'],
  ];
  for (const [what, body, reason] of refused) {
    it(`refuses ${what}`, () => assert.equal(reasonFor(body), reason));
  }

  it('requires an https serviceUrl behind Bot Framework auth, allows loopback http for a local test channel', () => {
    const http = (host: string) => activity({ serviceUrl: `http://${host}:4000/` });
    assert.equal(reasonFor(http('smba.example'), { httpServiceUrl: 'never' }), 'serviceUrl must be https');
    assert.equal(reasonFor(http('127.0.0.1'), { httpServiceUrl: 'never' }), 'serviceUrl must be https');
    assert.equal(reasonFor(http('127.0.0.1'), { httpServiceUrl: 'loopback' }), undefined);
    assert.equal(reasonFor(http('smba.example'), { httpServiceUrl: 'loopback' }), 'serviceUrl must be https');
    assert.equal(reasonFor(activity(), { httpServiceUrl: 'never' }), undefined);
  });
});
