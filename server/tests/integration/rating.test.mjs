// Ratings: after an operator closes a conversation the visitor may rate it (good or bad, a comment optional);
// the site's operators hear it at once; nobody rates a conversation that is not theirs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../../web/e2e/fixture.mjs';
import { visitor, login, operator } from './client.mjs';

let srv, op;
before(async () => {
  srv = await startServer();
  op = await operator(srv.url, await login(srv.url));
});
after(async () => { op.close(); await srv.stop(); });

test('a visitor rates the closed conversation, may add a comment, and the operators hear it', async () => {
  const v = await visitor(srv.url);
  v.send({ type: 'send', client_id: 'r1', text: 'Есть доставка в Тверь?' });
  const ack = await v.pick((f) => f.type === 'ack', 5000, 'ack');
  op.send({ type: 'close', conversation: ack.conversation });
  await v.pick((f) => f.type === 'closed', 5000, 'closed');
  v.send({ type: 'rate', conversation: ack.conversation, rating: 'good' });
  assert.deepEqual(await v.pick((f) => f.type === 'rated', 5000, 'rated'), { type: 'rated', conversation: ack.conversation });
  const heard = await op.pick((f) => f.type === 'rating', 5000, 'rating');
  assert.deepEqual(heard, { type: 'rating', conversation: ack.conversation, rating: 'good', comment: '' });
  v.send({ type: 'rate', conversation: ack.conversation, rating: 'good', comment: '  Быстро и по делу  ' });
  await v.pick((f) => f.type === 'rated', 5000, 'rated again');
  const again = await op.pick((f) => f.type === 'rating', 5000, 'rating with comment');
  assert.equal(again.comment, 'Быстро и по делу');

  v.send({ type: 'rate', conversation: ack.conversation, rating: 'excellent' });
  assert.match((await v.type('error')).message, /'rating'/);
  v.send({ type: 'rate', conversation: ack.conversation, rating: 'bad', comment: 'x'.repeat(4001) });
  assert.equal((await v.type('error')).code, 'text_too_long');

  const stranger = await visitor(srv.url);
  stranger.send({ type: 'rate', conversation: ack.conversation, rating: 'bad' });
  const err = await stranger.type('error');
  assert.equal(err.code, 'not_found');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(op.pending.filter((f) => f.type === 'rating').length, 0, 'the refused rating was not announced');
  v.close(); stranger.close();
});
