/**
 * The Auto Scaling pool through the official AWS SDK, against a loopback stand-in of the Query
 * API's three actions used (DescribeAutoScalingGroups, SetDesiredCapacity,
 * TerminateInstanceInAutoScalingGroup), which checks that requests are SigV4-signed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AwsAutoScalingPool, ProviderError } from '../../scaler/index.ts';

const NS = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';
const credentials = { accessKeyId: 'AKIDLOOPBACK', secretAccessKey: 'loopback-secret' };

interface Group {
  name: string;
  min: number;
  max: number;
  desired: number;
  instances: Array<{ id: string; state: string }>;
}
interface StandIn {
  server: Server;
  endpoint: string;
  group: Group;
  actions: string[];
}

async function standIn(group: Group): Promise<StandIn> {
  const state = { group, actions: [] as string[] } as StandIn;
  let next = 100;
  const reply = (response: any, status: number, xml: string) => {
    response.writeHead(status, { 'content-type': 'text/xml' });
    response.end(`<?xml version="1.0"?>\n${xml}`);
  };
  const error = (response: any, code: string, message: string) =>
    reply(
      response,
      400,
      `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
    );
  state.server = createServer(async (request, response) => {
    let text = '';
    for await (const chunk of request) text += chunk;
    if (!/^AWS4-HMAC-SHA256 Credential=AKIDLOOPBACK\/\d{8}\/us-east-1\/autoscaling\/aws4_request/.test(String(request.headers.authorization)))
      return error(response, 'InvalidClientTokenId', 'unsigned request');
    const form = new URLSearchParams(text);
    const action = form.get('Action')!;
    state.actions.push(action);
    const g = state.group;
    if (action === 'DescribeAutoScalingGroups') {
      const wanted = form.get('AutoScalingGroupNames.member.1');
      const members =
        wanted === g.name
          ? `<member><AutoScalingGroupName>${g.name}</AutoScalingGroupName><MinSize>${g.min}</MinSize><MaxSize>${g.max}</MaxSize><DesiredCapacity>${g.desired}</DesiredCapacity><Instances>${g.instances
              .map(
                (instance) =>
                  `<member><InstanceId>${instance.id}</InstanceId><LifecycleState>${instance.state}</LifecycleState><HealthStatus>Healthy</HealthStatus><AvailabilityZone>us-east-1a</AvailabilityZone><ProtectedFromScaleIn>false</ProtectedFromScaleIn></member>`,
              )
              .join('')}</Instances></member>`
          : '';
      return reply(
        response,
        200,
        `<DescribeAutoScalingGroupsResponse xmlns="${NS}"><DescribeAutoScalingGroupsResult><AutoScalingGroups>${members}</AutoScalingGroups></DescribeAutoScalingGroupsResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeAutoScalingGroupsResponse>`,
      );
    }
    if (action === 'SetDesiredCapacity') {
      const desired = Number(form.get('DesiredCapacity'));
      if (form.get('AutoScalingGroupName') !== g.name) return error(response, 'ValidationError', 'AutoScalingGroup name not found');
      if (desired > g.max || desired < g.min)
        return error(response, 'ValidationError', `New SetDesiredCapacity value ${desired} is above max value ${g.max} for the AutoScalingGroup.`);
      while (g.instances.length < desired) g.instances.push({ id: `i-0${next++}`, state: 'Pending' });
      g.desired = desired;
      return reply(
        response,
        200,
        `<SetDesiredCapacityResponse xmlns="${NS}"><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></SetDesiredCapacityResponse>`,
      );
    }
    if (action === 'TerminateInstanceInAutoScalingGroup') {
      const instance = g.instances.find((candidate) => candidate.id === form.get('InstanceId'));
      if (!instance) return error(response, 'ValidationError', 'Instance Id not found');
      instance.state = 'Terminating';
      if (form.get('ShouldDecrementDesiredCapacity') === 'true') g.desired--;
      return reply(
        response,
        200,
        `<TerminateInstanceInAutoScalingGroupResponse xmlns="${NS}"><TerminateInstanceInAutoScalingGroupResult><Activity><ActivityId>a</ActivityId><AutoScalingGroupName>${g.name}</AutoScalingGroupName><Cause>user request</Cause><StartTime>2026-12-01T12:00:00Z</StartTime><StatusCode>InProgress</StatusCode></Activity></TerminateInstanceInAutoScalingGroupResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></TerminateInstanceInAutoScalingGroupResponse>`,
      );
    }
    error(response, 'InvalidAction', `unknown action ${action}`);
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.endpoint = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
  return state;
}

const windowsGroup = (): Group => ({
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
    api.server.close();
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
    api.server.close();
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
    api.server.close();
  }
});

test.run();
