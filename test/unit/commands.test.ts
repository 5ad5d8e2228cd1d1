import assert from 'node:assert/strict';
import { COMMANDS, PLACEHOLDER_IDS, nearestCommand, normaliseText, parseCommand, type Command } from '../../src/core/commands';
import { KINDS, POLICY_KINDS, kindByAlias } from '../../src/core/kinds';

const ID = '6b9d2f3e-0c7a-4a51-9d1e-2f1c8e7b4a10';

function command(text: string): Command {
  const result = parseCommand(text);
  assert.ok(result.ok, `expected "${text}" to parse, got ${JSON.stringify(result)}`);
  return result.command;
}

describe('command grammar', () => {
  describe('what Teams delivers', () => {
    it('strips a channel mention, &nbsp; and line breaks', () => {
      assert.deepEqual(command('<at>Recycle Bin</at>&nbsp;deleted\r\nca  block'), { type: 'deleted', kinds: ['ca'], search: 'block' });
    });

    it('ignores case and a leading slash', () => {
      assert.deepEqual(command('/HELP'), { type: 'help' });
      assert.equal(command('Deleted NL').type, 'deleted');
    });

    it('keeps the search text a user typed after the kind', () => {
      assert.deepEqual(command('ls partners fabrikam corp'), { type: 'deleted', kinds: ['partners'], search: 'fabrikam corp' });
    });

    it('treats markup around the text as noise', () => {
      assert.equal(normaliseText('<p>show&nbsp;&amp; tell</p>'), 'show & tell');
    });

    it('reports an empty message (just a mention) as empty', () => {
      assert.deepEqual(parseCommand('<at>Recycle Bin</at>&nbsp;'), { ok: false, problem: 'empty' });
    });
  });

  describe('deleted', () => {
    it('lists the policy kinds by default and with "all", every kind with "everything"', () => {
      const policyKinds = POLICY_KINDS.map((k) => k.id);
      assert.deepEqual(command('deleted'), { type: 'deleted', kinds: policyKinds, search: '' });
      assert.deepEqual(command('list all mfa'), { type: 'deleted', kinds: policyKinds, search: 'mfa' });
      assert.deepEqual(command('deleted everything falcon'), { type: 'deleted', kinds: KINDS.map((k) => k.id), search: 'falcon' });
      assert.deepEqual(command('deleted groups'), { type: 'deleted', kinds: ['groups'], search: '' });
    });

    for (const [alias, kind] of [
      ['ca', 'ca'], ['policies', 'ca'], ['policy', 'ca'],
      ['locations', 'locations'], ['nl', 'locations'], ['named-locations', 'locations'],
      ['partners', 'partners'], ['xtap', 'partners'], ['sync', 'sync'],
    ] as const) {
      it(`understands "${alias}" as ${kind}`, () => {
        assert.deepEqual(command(`deleted ${alias}`), { type: 'deleted', kinds: [kind], search: '' });
      });
    }

    it('treats an unknown first word as search text, not a kind', () => {
      assert.deepEqual(command('deleted blocked'), { type: 'deleted', kinds: POLICY_KINDS.map((k) => k.id), search: 'blocked' });
    });
  });

  describe('restore', () => {
    it('is report-only by default, and as-deleted only when said', () => {
      assert.deepEqual(command(`restore ${ID} deleted by mistake`), { type: 'restore', id: ID, kind: undefined, reportOnly: true, reason: 'deleted by mistake' });
      assert.deepEqual(command(`restore ca ${ID} report-only why`), { type: 'restore', id: ID, kind: 'ca', reportOnly: true, reason: 'why' });
      assert.deepEqual(command(`restore ${ID} as-deleted why`), { type: 'restore', id: ID, kind: undefined, reportOnly: false, reason: 'why' });
    });

    it('takes `as {upn}` for a user whose UPN was taken; "as" without a UPN stays part of the reason', () => {
      assert.deepEqual(command(`restore users ${ID} as lee.gu2@contoso.com back for HR`), { type: 'restore', id: ID, kind: 'users', reportOnly: true, reason: 'back for HR', newUserPrincipalName: 'lee.gu2@contoso.com' });
      assert.deepEqual(command(`restore ${ID} as o'brien_j@mail.contoso.co.uk`), { type: 'restore', id: ID, kind: undefined, reportOnly: true, reason: '', newUserPrincipalName: "o'brien_j@mail.contoso.co.uk" });
      assert.deepEqual(command(`restore ${ID} as discussed`), { type: 'restore', id: ID, kind: undefined, reportOnly: true, reason: 'as discussed' });
    });

    it('refuses a malformed UPN, and `as` for kinds without one', () => {
      for (const bad of ['lee@contoso', '.lee@contoso.com', 'lee..gu@contoso.com', 'lee.@contoso.com', 'le e@contoso.com'.replace(' ', '%'), `${'x'.repeat(65)}@contoso.com`, 'lee@-contoso.com', 'lee@@contoso.com']) {
        const result = parseCommand(`restore ${ID} as ${bad}`);
        assert.ok(!result.ok && result.problem === 'invalid' && /is not a user principal name/.test(result.message), bad);
      }
      const groups = parseCommand(`restore groups ${ID} as team@contoso.com`);
      assert.ok(!groups.ok && groups.problem === 'invalid' && /Only users have a user principal name/.test(groups.message));
    });
  });

  describe('selftest', () => {
    it('takes an optional reason, and "self-test" as an alias', () => {
      assert.deepEqual(command('selftest'), { type: 'selftest', reason: '' });
      assert.deepEqual(command('self-test after granting consent'), { type: 'selftest', reason: 'after granting consent' });
      assert.equal(nearestCommand('seltest'), 'selftest');
    });
  });

  describe('demo', () => {
    it('takes an id or a name of several words after delete', () => {
      assert.deepEqual(command('demo delete CA002 - Require MFA'), { type: 'demo', action: 'delete', target: 'CA002 - Require MFA' });
      const result = parseCommand('demo remove x');
      assert.ok(!result.ok && result.problem === 'invalid' && /demo delete/.test(result.message));
    });
  });

  describe('show', () => {
    it('takes an id, normalised to lower case', () => {
      assert.deepEqual(command(`show ${ID.toUpperCase()}`), { type: 'show', id: ID, kind: undefined });
    });

    it('accepts a kind before the id and braces around it', () => {
      assert.deepEqual(command(`show sync {${ID}}`), { type: 'show', id: ID, kind: 'sync' });
    });

    it('explains a malformed id with an example of a good one', () => {
      const result = parseCommand('show 12345');
      assert.equal(result.ok, false);
      assert.ok(!result.ok && result.problem === 'invalid');
      assert.match(result.message, /"12345" is not an object id/);
      assert.match(result.usage, /^show /);
    });

    it('asks for the id when it is missing', () => {
      const result = parseCommand('show');
      assert.ok(!result.ok && result.problem === 'invalid' && /Which item/.test(result.message));
    });
  });

  describe('did you mean', () => {
    for (const [typo, expected] of [['delted', 'deleted'], ['stauts', 'status'], ['hlep', 'help'], ['shwo', 'show'], ['lst', 'deleted']] as const) {
      it(`suggests ${expected} for "${typo}"`, () => {
        const result = parseCommand(`${typo} ca`);
        assert.deepEqual(result, { ok: false, problem: 'unknown', word: typo, suggestion: expected });
      });
    }

    it('suggests nothing for text that is not close to a command', () => {
      assert.equal(nearestCommand('restore-everything-now'), undefined);
      const result = parseCommand('what is the weather');
      assert.ok(!result.ok && result.problem === 'unknown' && result.suggestion === undefined);
    });
  });

  describe('registry', () => {
    it('gives every command a usage, a description and an example that parses once real ids fill it', () => {
      const ids = { deletedPolicy: ID, livePartner: ID, partnerSearch: '6b9d', liveItem: ID };
      for (const spec of COMMANDS) {
        assert.ok(spec.usage && spec.description, spec.name);
        const example = spec.example(ids);
        if (spec.name === 'cancel') continue; // request ids exist only once asked for: its example is a placeholder
        assert.ok(parseCommand(example).ok, `example of ${spec.name} must parse: ${example}`);
      }
    });

    it('writes placeholders in braces, which every card renderer shows, never in angle brackets', () => {
      for (const spec of COMMANDS) {
        assert.doesNotMatch(spec.usage, /<|>/, spec.usage);
        assert.doesNotMatch(spec.example(PLACEHOLDER_IDS), /<|>/, spec.name);
      }
      assert.match(COMMANDS.find((c) => c.name === 'show')!.example(PLACEHOLDER_IDS), /^show \{id\}$/);
    });

    it('has no alias shared by two kinds or two commands', () => {
      const kindWords = KINDS.flatMap((k) => k.aliases);
      assert.equal(new Set(kindWords).size, kindWords.length);
      const commandWords = COMMANDS.flatMap((c) => [c.name, ...c.aliases]);
      assert.equal(new Set(commandWords).size, commandWords.length);
      assert.equal(kindByAlias('NL')?.id, 'locations');
    });
  });
});
