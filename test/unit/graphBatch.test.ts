import assert from 'node:assert/strict';
import { batchAnswers, batchItemError, batchItemRequestId } from '../../src/graph/batch';

/** A $batch answer as Graph puts it on the wire: inner responses in any order, header names as Graph spells them. */
describe('reading a $batch answer', () => {
  const OUTER = 'aaaaaaaa-0000-4000-8000-000000000000';
  const wire = {
    responses: [
      { id: '2', status: 400, headers: { 'Content-Type': 'application/json' }, body: { error: { code: 'Request_BadRequest', message: 'Another object with the same value for property userPrincipalName already exists.', innerError: { 'request-id': 'bbbbbbbb-0000-4000-8000-000000000002', date: '2026-11-22T10:00:00' } } } },
      { id: '1', status: 200, headers: { 'Content-Type': 'application/json', 'request-id': 'bbbbbbbb-0000-4000-8000-000000000001' }, body: { id: 'x' } },
      { id: '3', status: 200, headers: { 'Cache-Control': 'no-cache' }, body: { id: 'y' } },
      { id: '4', status: 429, headers: { 'Retry-After': '3', 'Request-Id': 'bbbbbbbb-0000-4000-8000-000000000004' } },
    ],
  };

  it('finds each inner response by id, whatever the order', () => {
    const answers = batchAnswers(wire);
    assert.deepEqual([...answers.keys()].sort(), ['1', '2', '3', '4']);
    assert.equal(answers.get('4')?.status, 429);
  });

  it("takes each item's own request-id from its headers (any case), else from its error body, else the outer response's", () => {
    const answers = batchAnswers(wire);
    assert.equal(batchItemRequestId(answers.get('1'), OUTER), 'bbbbbbbb-0000-4000-8000-000000000001');
    assert.equal(batchItemRequestId(answers.get('4'), OUTER), 'bbbbbbbb-0000-4000-8000-000000000004');
    assert.equal(batchItemRequestId(answers.get('2'), OUTER), 'bbbbbbbb-0000-4000-8000-000000000002');
    assert.equal(batchItemRequestId(answers.get('3'), OUTER), OUTER, 'no inner id: the batch request-id');
    assert.equal(batchItemRequestId(undefined, OUTER), OUTER, 'no answer for the item at all');
  });

  it("reads an inner failure's code and message", () => {
    const error = batchItemError(batchAnswers(wire).get('2')!);
    assert.equal(error.code, 'Request_BadRequest');
    assert.match(error.message ?? '', /userPrincipalName already exists/);
  });

  it('ignores what is not a batch answer', () => {
    assert.equal(batchAnswers(undefined).size, 0);
    assert.equal(batchAnswers({ responses: [{ status: 200 }, 'x', { id: '1', status: '200' }] }).size, 0);
  });
});
