import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { agentWorkerId, decidePool, EMPTY_MEMORY, type PoolHost, type PoolMemory, type WorkerHeartbeat } from '../../scaler/index.ts';

const settings = { coolDownMs: 10 * 60_000, bootDeadlineMs: 15 * 60_000 };
const t0 = Date.parse('2026-12-01T12:00:00Z');
const host = (n: number): PoolHost => ({ id: `id-${n}`, name: `host-${n}` });
const worker = (n: number, busy: boolean): WorkerHeartbeat => ({ host: `host-${n}`, busy });
const seen = (ids: number[], at: number, idleAt?: number): PoolMemory => ({
  firstSeen: Object.fromEntries(ids.map((n) => [`id-${n}`, at])),
  idleSince: idleAt === undefined ? {} : Object.fromEntries(ids.map((n) => [`id-${n}`, idleAt])),
});

test('a build queued for a platform with no host launches one host at once', () => {
  const decision = decidePool({ queued: 1, hosts: [], workers: [] }, { min: 0, max: 4 }, EMPTY_MEMORY, t0, settings);
  assert.is(decision.launch, 1);
  assert.is(decision.desired, 1);
  assert.equal(decision.remove, []);
});

test('waiting builds launch one host each, never past the pool max', () => {
  const decision = decidePool({ queued: 9, hosts: [host(1)], workers: [worker(1, true)] }, { min: 0, max: 4 }, seen([1], t0), t0, settings);
  assert.is(decision.launch, 3);
  assert.is(decision.desired, 4);
});

test('hosts still booting count as capacity, so a second tick does not launch again', () => {
  const first = decidePool({ queued: 2, hosts: [], workers: [] }, { min: 0, max: 4 }, EMPTY_MEMORY, t0, settings);
  const second = decidePool({ queued: 2, hosts: [host(1), host(2)], workers: [] }, { min: 0, max: 4 }, first.memory, t0 + 30_000, settings);
  assert.is(first.launch, 2);
  assert.is(second.launch, 0);
  assert.is(second.desired, 2);
});

test('an idle pool scales to zero only after the cool-down', () => {
  const hosts = [host(1), host(2)];
  const workers = [worker(1, false), worker(2, false)];
  const early = decidePool({ queued: 0, hosts, workers }, { min: 0, max: 4 }, seen([1, 2], t0, t0), t0 + 5 * 60_000, settings);
  assert.equal(early.remove, []);
  assert.is(early.desired, 2);
  const late = decidePool({ queued: 0, hosts, workers }, { min: 0, max: 4 }, early.memory, t0 + 10 * 60_000, settings);
  assert.equal([...late.remove].sort(), ['id-1', 'id-2']);
  assert.is(late.desired, 0);
});

test('a host running a build is never chosen to stop, even when the pool is over its size', () => {
  const hosts = [host(1), host(2), host(3)];
  const workers = [worker(1, true), worker(2, true), worker(3, true)];
  const decision = decidePool({ queued: 0, hosts, workers }, { min: 0, max: 1 }, seen([1, 2, 3], t0), t0 + 60 * 60_000, settings);
  assert.equal(decision.remove, []);
  assert.is(decision.desired, 3);
});

test('the pool min keeps idle hosts running past the cool-down', () => {
  const decision = decidePool(
    { queued: 0, hosts: [host(1), host(2)], workers: [worker(1, false), worker(2, false)] },
    { min: 1, max: 4 },
    seen([1, 2], t0, t0),
    t0 + 60 * 60_000,
    settings,
  );
  assert.is(decision.remove.length, 1);
  assert.is(decision.desired, 1);
});

test('the longest-idle host stops first', () => {
  const memory: PoolMemory = { firstSeen: { 'id-1': t0, 'id-2': t0 }, idleSince: { 'id-1': t0 + 60_000, 'id-2': t0 } };
  const decision = decidePool(
    { queued: 0, hosts: [host(1), host(2)], workers: [worker(1, false), worker(2, false)] },
    { min: 1, max: 4 },
    memory,
    t0 + 30 * 60_000,
    settings,
  );
  assert.equal(decision.remove, ['id-2']);
});

test('a host that becomes busy forgets its idle time, so its cool-down starts again afterwards', () => {
  const busy = decidePool({ queued: 0, hosts: [host(1)], workers: [worker(1, true)] }, { min: 0, max: 4 }, seen([1], t0, t0), t0 + 9 * 60_000, settings);
  const idleAgain = decidePool({ queued: 0, hosts: [host(1)], workers: [worker(1, false)] }, { min: 0, max: 4 }, busy.memory, t0 + 11 * 60_000, settings);
  assert.equal(idleAgain.remove, []);
  assert.is(idleAgain.memory.idleSince['id-1'], t0 + 11 * 60_000);
});

test('a host with no heartbeat by the boot deadline is replaced', () => {
  const decision = decidePool({ queued: 1, hosts: [host(1)], workers: [] }, { min: 0, max: 4 }, seen([1], t0), t0 + 16 * 60_000, settings);
  assert.equal(decision.remove, ['id-1']);
  assert.is(decision.launch, 1);
  assert.is(decision.desired, 1);
});

test('lowering the max stops surplus idle hosts without waiting for the cool-down', () => {
  const hosts = [host(1), host(2), host(3)];
  const decision = decidePool(
    { queued: 0, hosts, workers: [worker(1, false), worker(2, false), worker(3, true)] },
    { min: 0, max: 2 },
    seen([1, 2, 3], t0, t0 + 60_000),
    t0 + 2 * 60_000,
    settings,
  );
  assert.is(decision.remove.length, 1);
  assert.is(decision.desired, 2);
});

test('heartbeats of workers on other hosts do not count as this pool’s capacity', () => {
  const decision = decidePool({ queued: 1, hosts: [], workers: [worker(7, false)] }, { min: 0, max: 2 }, EMPTY_MEMORY, t0, settings);
  assert.is(decision.launch, 1);
});

test('with a backlog allowance, busy hosts absorb a short queue instead of booting another', () => {
  const hosts = [host(1), host(2)];
  const workers = [worker(1, true), worker(2, true)];
  const patient = { ...settings, backlogPerHost: 2 };
  assert.is(decidePool({ queued: 4, hosts, workers }, { min: 0, max: 6 }, seen([1, 2], t0), t0, patient).launch, 0);
  assert.is(decidePool({ queued: 6, hosts, workers }, { min: 0, max: 6 }, seen([1, 2], t0), t0, patient).launch, 2);
});

test('a backlog allowance never delays the first host of a platform with no worker', () => {
  const decision = decidePool({ queued: 3, hosts: [], workers: [] }, { min: 0, max: 6 }, EMPTY_MEMORY, t0, { ...settings, backlogPerHost: 8 });
  assert.is(decision.launch, 3);
});

test('while builds wait, no idle host is stopped', () => {
  const decision = decidePool(
    { queued: 1, hosts: [host(1), host(2)], workers: [worker(1, false), worker(2, true)] },
    { min: 0, max: 6 },
    seen([1, 2], t0, t0),
    t0 + 60 * 60_000,
    { ...settings, backlogPerHost: 4 },
  );
  assert.equal(decision.remove, []);
});

test('a Windows host is matched to its worker by instance id when its computer name differs', () => {
  const instance = { id: 'i-0abc', name: 'i-0abc' };
  const decision = decidePool(
    { queued: 0, hosts: [instance], workers: [{ host: 'EC2AMAZ-7Q1', id: 'i-0abc', busy: true }] },
    { min: 0, max: 2 },
    { firstSeen: { 'i-0abc': t0 }, idleSince: {} },
    t0 + 60 * 60_000,
    settings,
  );
  assert.equal(decision.remove, [], 'the busy instance is neither lost nor idle');
  assert.is(decision.desired, 1);
});

const shared = { ...settings, agentsPerHost: 2 };
const agentOf = (n: number, slot: number, busy: boolean): WorkerHeartbeat => ({ host: `host-${n}`, id: agentWorkerId(`host-${n}`, slot), busy });

test('with two agents per host, waiting builds launch one host per two builds', () => {
  assert.is(decidePool({ queued: 3, hosts: [], workers: [] }, { min: 0, max: 6 }, EMPTY_MEMORY, t0, shared).launch, 2);
  assert.is(decidePool({ queued: 4, hosts: [], workers: [] }, { min: 0, max: 6 }, EMPTY_MEMORY, t0, shared).launch, 2);
  assert.is(decidePool({ queued: 4, hosts: [], workers: [] }, { min: 0, max: 6 }, EMPTY_MEMORY, t0, settings).launch, 4, 'one agent per host: a host each');
});

test('a host with a free agent takes the next build: no host is launched for it', () => {
  const decision = decidePool(
    { queued: 1, hosts: [host(1)], workers: [agentOf(1, 1, true), agentOf(1, 2, false)] },
    { min: 0, max: 6 },
    seen([1], t0),
    t0,
    shared,
  );
  assert.is(decision.launch, 0);
  assert.is(decision.desired, 1);
  const full = decidePool({ queued: 1, hosts: [host(1)], workers: [agentOf(1, 1, true), agentOf(1, 2, true)] }, { min: 0, max: 6 }, seen([1], t0), t0, shared);
  assert.is(full.launch, 1, 'both agents busy: the waiting build needs another host');
});

test('busy agents spread over hosts keep every one of those hosts: a host with one busy agent never stops', () => {
  const hosts = [host(1), host(2), host(3)];
  const workers = [agentOf(1, 1, true), agentOf(1, 2, false), agentOf(2, 1, false), agentOf(2, 2, true), agentOf(3, 1, false), agentOf(3, 2, false)];
  const decision = decidePool({ queued: 0, hosts, workers }, { min: 0, max: 6 }, seen([1, 2, 3], t0, t0), t0 + 60 * 60_000, shared);
  assert.equal(decision.remove, ['id-3'], 'only the host whose agents are all idle stops');
  assert.is(decision.desired, 2);
});

test('agents are matched to their host by worker id <host>-agent-<n>, never by a longer host name that starts alike', () => {
  const instance = { id: 'i-0abc', name: 'i-0abc' };
  const workers: WorkerHeartbeat[] = [
    { host: 'EC2AMAZ-7Q1', id: 'i-0abc-agent-1', busy: true },
    { host: 'EC2AMAZ-7Q1', id: 'i-0abc-agent-2', busy: false },
  ];
  const decision = decidePool(
    { queued: 0, hosts: [instance], workers },
    { min: 0, max: 2 },
    { firstSeen: { 'i-0abc': t0 }, idleSince: {} },
    t0 + 60 * 60_000,
    shared,
  );
  assert.equal(decision.remove, []);
  assert.match(decision.reason, 'agents busy 1 idle 1');
  const stranger = decidePool(
    {
      queued: 0,
      hosts: [instance],
      workers: [
        { host: 'EC2AMAZ-9Z9', id: 'i-0abcd-agent-1', busy: true },
        { host: 'x', id: 'i-0abc-agent-x', busy: true },
      ],
    },
    { min: 0, max: 2 },
    { firstSeen: { 'i-0abc': t0 }, idleSince: {} },
    t0 + 60 * 60_000,
    shared,
  );
  assert.equal(stranger.remove, ['i-0abc'], 'no heartbeat of its own by the boot deadline: lost');
});

test.run();
