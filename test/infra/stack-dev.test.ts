import { test } from 'uvu';
import { stackSuite } from './stack-suite.ts';

stackSuite('dev', {
  builderDroplets: 0,
  builderSize: 's-2vcpu-4gb',
  controlPlaneDroplets: 1,
  natsNodes: 1,
  jetstreamReplicas: 1,
  windowsDesired: { 'r-devel-windows-x86_64': 0, 'r-release-windows-x86_64': 0 },
  solarisDesired: 0,
  macHosts: 0,
  siteMacs: 0,
  agentsPerHost: { linux: 1, windows: 1 },
  macVms: 0,
});

test.run();
