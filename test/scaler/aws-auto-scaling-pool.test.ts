/**
 * The Auto Scaling pool through the official AWS SDK, against the loopback stand-in of the Query
 * API's actions used (auto-scaling-stand-in.ts), which checks that requests are SigV4-signed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AwsAutoScalingPool, ProviderError } from '../../scaler/index.ts';
import { LOOPBACK_CREDENTIALS as credentials, startAutoScalingStandIn, type StandInGroup } from './auto-scaling-stand-in.ts';

async function standIn(group: StandInGroup) {
  const api = await startAutoScalingStandIn([group]);
  return { ...api, group };
}

const windowsGroup = (): StandInGroup => ({
  name: 'rfarm-prod-r-release-windows-x86_64',
  min: 0,
  max: 6,
  desired: 1,
  instances: [{ id: 'i-0aaa', state: 'InService' }],
});

test('growing the pool sets the group’s desired capacity and the new instance is listed', async () => {
  const api = await standIn(windowsGroup());
  try {
    const pool = new AwsAutoScalingPool({ region: 'us-east-1', groupName: api.group.name, endpoint: api.endpoint, credentials });
    await pool.launch(2, 3);
    assert.is(api.group.desired, 3);
    assert.equal(
      (await pool.listHosts()).map((host) => host.id),
      ['i-0aaa', 'i-0100', 'i-0101'],
    );
  } finally {
    await api.close();
  }
});

test('shrinking terminates exactly the named instance and lowers the capacity with it', async () => {
  const api = await standIn({
    ...windowsGroup(),
    desired: 2,
    instances: [
      { id: 'i-0aaa', state: 'InService' },
      { id: 'i-0bbb', state: 'InService' },
    ],
  });
  try {
    const pool = new AwsAutoScalingPool({ region: 'us-east-1', groupName: api.group.name, endpoint: api.endpoint, credentials });
    await pool.remove(['i-0bbb']);
    assert.is(api.group.desired, 1);
    assert.equal(await pool.listHosts(), [{ id: 'i-0aaa', name: 'i-0aaa' }], 'a terminating instance is no longer counted');
    assert.not.ok(api.actions.includes('SetDesiredCapacity'), 'shrinking never lets AWS pick the instance');
  } finally {
    await api.close();
  }
});

test('a refused call becomes a ProviderError carrying the API’s message', async () => {
  const api = await standIn(windowsGroup());
  try {
    const pool = new AwsAutoScalingPool({ region: 'us-east-1', groupName: api.group.name, endpoint: api.endpoint, credentials });
    const error = await pool.launch(9, 10).then(
      () => null,
      (caught) => caught,
    );
    assert.instance(error, ProviderError);
    assert.match(
      error.message,
      /aws group rfarm-prod-r-release-windows-x86_64: set desired capacity failed: New SetDesiredCapacity value 10 is above max value 6/,
    );
    const unknown = new AwsAutoScalingPool({ region: 'us-east-1', groupName: 'nope', endpoint: api.endpoint, credentials });
    const missing = await unknown.listHosts().then(
      () => null,
      (caught) => caught,
    );
    assert.match(missing.message, /no such Auto Scaling group/);
  } finally {
    await api.close();
  }
});

test.run();
