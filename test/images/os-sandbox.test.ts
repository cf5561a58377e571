/**
 * The agent picks its sandbox by OS through one interface (images/agent/os-sandbox.ts): what a
 * Linux, Windows, macOS or Solaris host would run for the same step, as data. Running the foreign
 * plans needs those hosts (README, "Windows, macOS and Solaris sandboxes").
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AgentConfigError } from '../../images/agent/config.ts';
import { ForeignSandboxSpecError } from '../../images/agent/foreign-sandbox-spec.ts';
import { sandboxKindOf, stepLaunch, toHostPath, windowsPassword } from '../../images/agent/os-sandbox.ts';
import { sandboxArgv, type SandboxSpec } from '../../images/agent/sandbox.ts';
import { hostSandboxKind } from '../../images/agent/sandbox-host.ts';
import { windowsEnvironmentBlock } from '../../images/agent/windows-launcher.ts';

const system = {
  mounts: ['--ro-bind', '/usr', '/usr'],
  ownFiles: [],
  egressMounts: [],
  seccompFile: '/var/rfarm/sandbox/seccomp.bpf',
  scriptsDir: '/var/rfarm/sandbox/scripts',
};
const limits = { maxFileBytes: 1 << 30, maxProcesses: 512, tmpBytes: 1 << 30 };
const check: SandboxSpec = {
  jobDir: '/var/rfarm/builds/j1',
  command: ['R', 'CMD', 'check', '/job/pkg_1.0.tar.gz'],
  env: { HOME: '/job/home', TMPDIR: '/tmp', R_LIBS: '/job/lib:/rfarm/dependencies', R_REPOS: 'https://cloud.r-project.org' },
  readOnly: [{ hostPath: '/var/rfarm/dependencies', sandboxPath: '/rfarm/dependencies' }],
  system,
  limits,
};
const id = { buildId: 'abc-1', slot: 3 };
const foreignLimits = { memoryBytes: 4 * 2 ** 30, cpuSeconds: 1800 };

test('each OS the farm builds on has a sandbox, and any other OS is refused with what to do', () => {
  assert.equal(['linux', 'win32', 'darwin', 'sunos'].map(sandboxKindOf), ['bubblewrap', 'windows', 'macos', 'solaris']);
  assert.is(sandboxKindOf('aix'), null);
  assert.throws(
    () => hostSandboxKind('aix'),
    (error: Error) => error instanceof AgentConfigError && /no build sandbox for aix/.test(error.message),
  );
});

test('Linux runs bubblewrap exactly as before, with the seccomp program and a control group', () => {
  const launch = stepLaunch('bubblewrap', check, id, foreignLimits);
  assert.equal(launch.argv, sandboxArgv(check));
  assert.ok(launch.seccomp);
  assert.equal([launch.setup, launch.teardown, launch.files], [[], [], []]);
});

test('paths that exist only inside bubblewrap become the host paths the foreign sandbox allows', () => {
  assert.is(toHostPath('/job/lib:/rfarm/dependencies', check, '/'), '/var/rfarm/builds/j1/lib:/var/rfarm/dependencies');
  assert.is(toHostPath('/tmp', check, '/'), '/var/rfarm/builds/j1/tmp');
  assert.is(toHostPath('https://cloud.r-project.org', check, '\\'), 'https://cloud.r-project.org', 'a URL keeps its colon');
  const windows = { ...check, jobDir: 'C:\\rfarm\\builds\\j1', readOnly: [{ hostPath: 'C:\\rfarm\\dependencies', sandboxPath: '/rfarm/dependencies' }] };
  assert.is(toHostPath('/job/lib:/rfarm/dependencies', windows, '\\'), 'C:\\rfarm\\builds\\j1\\lib;C:\\rfarm\\dependencies');
});

test('macOS: the step runs as a per-step user under sandbox-exec with only its own environment', () => {
  const launch = stepLaunch('macos', check, id, foreignLimits);
  assert.not.ok(launch.seccomp);
  assert.equal(
    launch.files.map((file) => [file.path, file.mode]),
    [['/var/rfarm/sandbox/abc-1.sb', 0o644]],
  );
  const profile = launch.files[0].content;
  assert.match(profile, /\(deny network\*\)/);
  assert.match(profile, /\(subpath "\/var\/rfarm\/dependencies"\)/, 'the dependency cache is readable');
  assert.not.match(profile, /file-write\*[^\n]*dependencies/, 'and not writable');
  const exec = launch.argv.indexOf('/usr/bin/sandbox-exec');
  assert.ok(exec > 0 && launch.argv.slice(0, exec).includes('_rfarm_b3'));
  assert.equal(launch.argv.slice(exec + 3, exec + 5), ['/usr/bin/env', '-i']);
  assert.ok(launch.argv.includes('R_LIBS=/var/rfarm/builds/j1/lib:/var/rfarm/dependencies'));
  assert.ok(launch.argv.includes('HOME=/var/rfarm/builds/j1/home'));
  assert.ok(launch.teardown.some((command) => command.join(' ') === '/usr/bin/dscl . -delete /Users/_rfarm_b3'));
});

test('macOS: the dependency step keeps the network, the check does not', () => {
  const install = stepLaunch('macos', { ...check, network: true }, id, foreignLimits);
  assert.match(install.files[0].content, /\(allow network-outbound\)/);
  assert.not.match(install.files[0].content, /\(deny network\*\)/);
});

test('Solaris: the step runs in its own project without net_access, and the user and project are removed', () => {
  const launch = stepLaunch('solaris', check, id, foreignLimits);
  const ppriv = launch.argv.indexOf('/usr/bin/ppriv');
  assert.ok(launch.argv.includes('/usr/bin/newtask') && ppriv > 0);
  assert.match(launch.argv[ppriv + 2], /^EIPL-net_access,-proc_info/);
  assert.ok(launch.argv.includes('TMPDIR=/var/rfarm/builds/j1/tmp'));
  assert.ok(launch.setup.some((command) => command[0] === '/usr/sbin/projadd' && command.includes('process.max-cpu-time=(privileged,1800,signal=SIGKILL)')));
  assert.equal(
    launch.teardown.map((command) => command[0]),
    ['/usr/bin/pkill', '/usr/sbin/projdel', '/usr/sbin/userdel'],
  );
});

test('Windows: setup, a Job Object launcher and teardown in PowerShell; the password only in the launcher environment', () => {
  const windows: SandboxSpec = {
    ...check,
    jobDir: 'C:\\rfarm\\builds\\j1',
    readOnly: [{ hostPath: 'C:\\rfarm\\dependencies', sandboxPath: '/rfarm/dependencies' }],
  };
  const launch = stepLaunch('windows', windows, id, foreignLimits);
  assert.is(launch.argv[0], 'powershell.exe');
  const [setup] = launch.setup;
  assert.match(setup.at(-1) ?? '', /New-LocalUser -Name 'rfarm-b-abc-1'[\s\S]*New-NetFirewallRule/);
  const script = launch.argv.at(-1) ?? '';
  assert.match(script, /CreateProcessWithLogonW/);
  assert.match(
    script,
    /\[RfarmStep\]::Run\('rfarm-b-abc-1', \$env:RFARM_BUILD_PASSWORD, 'R CMD check C:\\rfarm\\builds\\j1\\pkg_1\.0\.tar\.gz', 'C:\\rfarm\\builds\\j1', \$environment, 9740, 18000000000, 512, 4294967296, 255\)/,
  );
  assert.match(script, /R_LIBS=C:\\rfarm\\builds\\j1\\lib;C:\\rfarm\\dependencies\|/);
  const password = launch.env.RFARM_BUILD_PASSWORD;
  assert.ok(password.length >= 20);
  assert.not.ok(
    [...launch.setup, launch.argv, ...launch.teardown].flat().some((text) => text.includes(password)),
    'the password is in no command line',
  );
  assert.match(launch.teardown[0].at(-1) ?? '', /Remove-LocalUser -Name 'rfarm-b-abc-1'/);
  assert.is.not(windowsPassword(), windowsPassword());
});

test('Windows: the environment block is sorted, NUL-separated, and refuses names Windows cannot hold', () => {
  assert.is(windowsEnvironmentBlock({ b: '2', A: '1' }), 'A=1\0b=2\0\0');
  assert.throws(() => windowsEnvironmentBlock({ 'A=B': 'x' }), /cannot be passed/);
});

test('an unsafe spec is refused before anything runs, on every foreign OS', () => {
  for (const kind of ['macos', 'solaris'] as const) {
    assert.throws(
      () => stepLaunch(kind, { ...check, jobDir: '/var/rfarm/../etc' }, id, foreignLimits),
      (error: Error) => error instanceof ForeignSandboxSpecError,
    );
  }
  assert.throws(
    () => stepLaunch('windows', check, id, foreignLimits),
    (error: Error) => error instanceof ForeignSandboxSpecError,
    'a Unix path is no Windows job directory',
  );
  assert.throws(
    () => stepLaunch('macos', check, { buildId: 'Bad Id', slot: 0 }, foreignLimits),
    (error: Error) => error instanceof ForeignSandboxSpecError,
  );
  const fenced = { ...check, networkNamespace: {} as NonNullable<SandboxSpec['networkNamespace']> };
  assert.throws(() => stepLaunch('solaris', fenced, id, foreignLimits), /egress network policy needs the Linux sandbox/);
});

test.run();
