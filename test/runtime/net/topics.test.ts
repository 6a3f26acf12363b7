import test from 'ava';
import { protocolOf, topicOf } from '../../../runtime/net/index.ts';
import { isAinError } from '../../../schemas/index.ts';

test('topicOf: one topic per chain, shard and kind, none alike', (t) => {
  t.is(topicOf('ain-local', '/', 'votes'), '/ain/1/ain-local/votes');
  t.is(topicOf('ain-local', '/apps/chat', 'txs'), '/ain/1/ain-local/apps/chat/txs');
  const topics = ['ain-local', 'other'].flatMap((chain) =>
    ['/', '/txs', '/apps'].flatMap((shard) => (['txs', 'proposals', 'votes', 'evidence'] as const).map((kind) => topicOf(chain, shard, kind))),
  );
  t.is(new Set(topics).size, topics.length);
});

test('protocolOf: request protocols per chain and shard', (t) => {
  t.is(protocolOf('ain-local', '/', 'status'), '/ain/1/ain-local/req/status');
  t.is(protocolOf('ain-local', '/apps', 'blocks-by-range'), '/ain/1/ain-local/apps/req/blocks-by-range');
});

test('topicOf: a malformed chain id or shard path is refused with BAD_SCHEMA', (t) => {
  t.true(
    isAinError(
      t.throws(() => topicOf('Not A Chain', '/', 'txs')),
      'BAD_SCHEMA',
    ),
  );
  t.true(
    isAinError(
      t.throws(() => topicOf('ain-local', 'apps//x', 'txs')),
      'BAD_SCHEMA',
    ),
  );
});
