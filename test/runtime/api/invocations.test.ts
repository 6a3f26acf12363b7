import test from 'ava';
import { createInvocationHub, type Invocation } from '../../../runtime/api/invocations.ts';

// The meeting point of HTTP calls and function workers: who takes what, and how a call ends.

const owner = `0x${'a'.repeat(40)}`;
const other = `0x${'b'.repeat(40)}`;
const call = (input: unknown, by = owner): Omit<Invocation, 'id'> => ({
  functionId: 'f',
  function: { runtime: 'nodejs', code: `blob://sha256:${'0'.repeat(64)}`, owner: by },
  functionPath: '/apps/$x',
  path: '/apps/y',
  params: { $x: 'y' },
  input,
  caller: null,
  height: 1,
});

test('a call waits for its owner’s worker; the worker’s answer is the call’s output', async (t) => {
  const hub = createInvocationHub();
  const calling = hub.invoke(call(1));
  t.deepEqual(await hub.take(other, 0), [], "another owner's worker gets nothing");
  const [taken] = await hub.take(owner, 1000);
  t.is(taken!.input, 1);
  t.false(hub.answer(other, taken!.id, { output: 'x' }, 'Ain x'), 'only the owner answers');
  t.true(hub.answer(owner, taken!.id, { output: 'done' }, 'Ain signed'));
  t.like(await calling, { answer: { output: 'done' }, authorization: 'Ain signed' });
  t.false(hub.answer(owner, taken!.id, { output: 'again' }, 'Ain again'), 'once');
  t.is(hub.pending, 0);
});

test('a worker already waiting gets the call at once, as many as it asks for; an error answer comes back as signed', async (t) => {
  const hub = createInvocationHub();
  const waiting = hub.take(owner, 60_000, undefined, 1);
  const calling = hub.invoke(call(2), { id: 'a'.repeat(32) });
  const [taken] = await waiting;
  t.is(taken!.id, 'a'.repeat(32), 'the id its caller chose');
  await t.throwsAsync(hub.invoke(call(9), { id: 'a'.repeat(32) }), { code: 'BAD_REQUEST' } as never);
  hub.answer(owner, taken!.id, { error: { code: 'RUN_FAILED', message: 'exit 3' } }, 'Ain e');
  t.like(await calling, { answer: { error: { code: 'RUN_FAILED' } } });
  const more = [hub.invoke(call(3)), hub.invoke(call(4)), hub.invoke(call(5))];
  t.is((await hub.take(owner, 0, undefined, 2)).length, 2, 'no more than it has room for');
  hub.close();
  await Promise.allSettled(more);
});

test('one owner’s calls are bounded apart from the rest; a caller gone ends its call', async (t) => {
  const hub = createInvocationHub({ pendingPerOwnerMax: 1 });
  const first = hub.invoke(call(1));
  await t.throwsAsync(hub.invoke(call(2)), { code: 'OVERLOADED', message: /functions have 1 calls/ } as never);
  const elsewhere = hub.invoke(call(3, other));
  const gone = new AbortController();
  const leaving = hub.invoke(call(4, `0x${'c'.repeat(40)}`), { signal: gone.signal });
  gone.abort();
  await t.throwsAsync(leaving, { code: 'SHUTTING_DOWN' } as never);
  hub.close();
  await Promise.allSettled([first, elsewhere]);
});

test('nobody takes it: NO_FUNCTION_WORKER; taken but unanswered: FUNCTION_TIMEOUT; a worker gone takes nothing', async (t) => {
  const hub = createInvocationHub({ pickupMs: 10, answerMs: 10 });
  await t.throwsAsync(hub.invoke(call(3)), { code: 'NO_FUNCTION_WORKER' } as never);
  const gone = new AbortController();
  const waiting = hub.take(owner, 60_000, gone.signal);
  gone.abort();
  t.deepEqual(await waiting, []);
  const calling = hub.invoke(call(4));
  const [taken] = await hub.take(owner, 1000);
  t.truthy(taken);
  await t.throwsAsync(calling, { code: 'FUNCTION_TIMEOUT' } as never);
});

test('bounded: past pendingMax calls are OVERLOADED; close ends waits and calls', async (t) => {
  const hub = createInvocationHub({ pendingMax: 1 });
  const first = hub.invoke(call(5));
  await t.throwsAsync(hub.invoke(call(6)), { code: 'OVERLOADED' } as never);
  const waiting = hub.take(other, 60_000);
  hub.close();
  t.deepEqual(await waiting, []);
  await t.throwsAsync(first, { code: 'SHUTTING_DOWN' } as never);
  await t.throwsAsync(hub.invoke(call(7)), { code: 'SHUTTING_DOWN' } as never);
});
