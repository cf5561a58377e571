/**
 * A loopback stand-in of the Auto Scaling Query API's actions the scaler calls
 * (DescribeAutoScalingGroups, DescribeScalingActivities, SetDesiredCapacity,
 * TerminateInstanceInAutoScalingGroup), holding any number of groups. It refuses unsigned requests
 * (SigV4 for `autoscaling` in us-east-1). A group with `noCapacity` behaves as a Spot group in a
 * shortage: its desired capacity rises, no instance comes, and, if `reportFailures`, each launch it
 * owes is logged as a failed activity, as AWS logs "Could not launch Spot Instances".
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const NS = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';

/** Credentials the stand-in accepts. */
export const LOOPBACK_CREDENTIALS = { accessKeyId: 'AKIDLOOPBACK', secretAccessKey: 'loopback-secret' };

export interface StandInGroup {
  name: string;
  min: number;
  max: number;
  desired: number;
  instances: Array<{ id: string; state: string }>;
  /** Spot shortage: desired capacity rises but no instance comes. */
  noCapacity?: boolean;
  /** With `noCapacity`: log each launch owed as a failed Spot launch activity. */
  reportFailures?: boolean;
  activities?: Array<{ start: string; code: string; message: string }>;
}

export interface AutoScalingStandIn {
  readonly server: Server;
  readonly endpoint: string;
  readonly groups: Map<string, StandInGroup>;
  /** Every action called, in order, with the group it named (if any). */
  readonly actions: string[];
  close(): Promise<void>;
}

/** Starts the stand-in on 127.0.0.1 with these groups. */
export async function startAutoScalingStandIn(groups: StandInGroup[], clock: () => Date = () => new Date()): Promise<AutoScalingStandIn> {
  const byName = new Map(groups.map((group) => [group.name, group]));
  const actions: string[] = [];
  let next = 100;
  const reply = (response: ServerResponse, status: number, xml: string) => {
    response.writeHead(status, { 'content-type': 'text/xml' });
    response.end(`<?xml version="1.0"?>\n${xml}`);
  };
  const error = (response: ServerResponse, code: string, message: string) =>
    reply(
      response,
      400,
      `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
    );
  const ok = (response: ServerResponse, action: string, result = '') =>
    reply(
      response,
      200,
      `<${action}Response xmlns="${NS}">${result ? `<${action}Result>${result}</${action}Result>` : ''}<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></${action}Response>`,
    );
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    let text = '';
    for await (const chunk of request) text += chunk;
    if (!/^AWS4-HMAC-SHA256 Credential=AKIDLOOPBACK\/\d{8}\/us-east-1\/autoscaling\/aws4_request/.test(String(request.headers.authorization)))
      return error(response, 'InvalidClientTokenId', 'unsigned request');
    const form = new URLSearchParams(text);
    const action = form.get('Action')!;
    actions.push(action);
    if (action === 'DescribeAutoScalingGroups') {
      const names = [...form.entries()].filter(([key]) => key.startsWith('AutoScalingGroupNames.member.')).map(([, value]) => value);
      const members = names
        .map((name) => byName.get(name))
        .filter((group): group is StandInGroup => group !== undefined)
        .map(
          (g) =>
            `<member><AutoScalingGroupName>${g.name}</AutoScalingGroupName><MinSize>${g.min}</MinSize><MaxSize>${g.max}</MaxSize><DesiredCapacity>${g.desired}</DesiredCapacity><Instances>${g.instances
              .map(
                (instance) =>
                  `<member><InstanceId>${instance.id}</InstanceId><LifecycleState>${instance.state}</LifecycleState><HealthStatus>Healthy</HealthStatus><AvailabilityZone>us-east-1a</AvailabilityZone><ProtectedFromScaleIn>false</ProtectedFromScaleIn></member>`,
              )
              .join('')}</Instances></member>`,
        )
        .join('');
      return ok(response, 'DescribeAutoScalingGroups', `<AutoScalingGroups>${members}</AutoScalingGroups>`);
    }
    if (action === 'DescribeScalingActivities') {
      const g = byName.get(form.get('AutoScalingGroupName') ?? '');
      if (!g) return error(response, 'ValidationError', 'AutoScalingGroup name not found');
      const newestFirst = [...(g.activities ?? [])].reverse().slice(0, Number(form.get('MaxRecords') ?? 100));
      const members = newestFirst
        .map(
          (activity, index) =>
            `<member><ActivityId>a-${index}</ActivityId><AutoScalingGroupName>${g.name}</AutoScalingGroupName><Description>Launching a new EC2 instance.  Status Reason: ${activity.message}</Description><Cause>an instance was started in response to a difference between desired and actual capacity</Cause><StartTime>${activity.start}</StartTime><StatusCode>${activity.code}</StatusCode><StatusMessage>${activity.message}</StatusMessage><Progress>100</Progress></member>`,
        )
        .join('');
      return ok(response, 'DescribeScalingActivities', `<Activities>${members}</Activities>`);
    }
    if (action === 'SetDesiredCapacity') {
      const g = byName.get(form.get('AutoScalingGroupName') ?? '');
      if (!g) return error(response, 'ValidationError', 'AutoScalingGroup name not found');
      const desired = Number(form.get('DesiredCapacity'));
      if (desired > g.max || desired < g.min)
        return error(
          response,
          'ValidationError',
          `New SetDesiredCapacity value ${desired} is ${desired > g.max ? `above max value ${g.max}` : `below min value ${g.min}`} for the AutoScalingGroup.`,
        );
      const active = g.instances.filter((instance) => !/^Terminat/.test(instance.state));
      if (desired < active.length) for (const instance of active.slice(desired)) instance.state = 'Terminating'; // AWS picks: the scaler must never cause this
      if (g.noCapacity) {
        for (let owed = active.length; owed < desired && g.reportFailures; owed++)
          (g.activities ??= []).push({
            start: clock().toISOString(),
            code: 'Failed',
            message:
              'Could not launch Spot Instances. InsufficientInstanceCapacity - There is no Spot capacity available that matches your request. Launching EC2 instance failed.',
          });
      } else
        while (g.instances.filter((instance) => !/^Terminat/.test(instance.state)).length < desired) g.instances.push({ id: `i-0${next++}`, state: 'Pending' });
      g.desired = desired;
      return ok(response, 'SetDesiredCapacity');
    }
    if (action === 'TerminateInstanceInAutoScalingGroup') {
      const id = form.get('InstanceId');
      const g = [...byName.values()].find((group) => group.instances.some((instance) => instance.id === id));
      const instance = g?.instances.find((candidate) => candidate.id === id);
      if (!g || !instance) return error(response, 'ValidationError', 'Instance Id not found');
      instance.state = 'Terminating';
      if (form.get('ShouldDecrementDesiredCapacity') === 'true') g.desired--;
      return ok(
        response,
        'TerminateInstanceInAutoScalingGroup',
        `<Activity><ActivityId>a</ActivityId><AutoScalingGroupName>${g.name}</AutoScalingGroupName><Cause>user request</Cause><StartTime>2026-12-01T12:00:00Z</StartTime><StatusCode>InProgress</StatusCode></Activity>`,
      );
    }
    error(response, 'InvalidAction', `unknown action ${action}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    groups: byName,
    actions,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
