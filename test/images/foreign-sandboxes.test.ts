/**
 * The Windows, macOS and Solaris sandboxes as generated: accounts, ACLs, firewall rules, Job
 * Object limits, sandbox-exec profiles, projects and privilege sets. What the OS then does with
 * them only a real host shows (README, "Untrusted code: the sandbox").
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ForeignSandboxSpecError, type ForeignSandboxSpec } from '../../images/agent/foreign-sandbox-spec.ts';
import { JOB_OBJECT, quoteWindowsArgument, windowsSandboxPlan } from '../../images/agent/windows-sandbox.ts';
import { macosSandboxPlan, macosSandboxProfile, sbplString } from '../../images/agent/macos-sandbox.ts';
import { solarisSandboxPlan } from '../../images/agent/solaris-sandbox.ts';

const limits = { maxFileBytes: 1 << 30, maxProcesses: 256, memoryBytes: 4 * 2 ** 30, cpuSeconds: 3600 };
const windows: ForeignSandboxSpec = {
  buildId: 'a1b2c3d4',
  jobDir: 'C:\\rfarm\\jobs\\a1b2c3d4',
  command: ['C:\\R\\bin\\R.exe', 'CMD', 'check', 'pkg 1.0.tar.gz'],
  network: false,
  limits,
};
const unix: ForeignSandboxSpec = { ...windows, jobDir: '/var/rfarm/jobs/a1b2c3d4', command: ['/usr/local/bin/R', 'CMD', 'check', 'pkg_1.0.tar.gz'] };

test('Windows: a per-build account owns the job directory alone, and a firewall rule blocks its traffic', () => {
  const plan = windowsSandboxPlan(windows);
  assert.is(plan.account, 'rfarm-b-a1b2c3d4');
  assert.ok(plan.account.length <= 20);
  assert.match(plan.setup, /New-LocalUser -Name 'rfarm-b-a1b2c3d4' -Password \$password/);
  assert.match(plan.setup, /ConvertTo-SecureString \$env:RFARM_BUILD_PASSWORD/);
  assert.match(
    plan.setup,
    /icacls\.exe 'C:\\rfarm\\jobs\\a1b2c3d4' \/inheritance:r \/grant:r "\$\(\$user\.SID\.Value\):\(OI\)\(CI\)M" '\*S-1-5-18:\(OI\)\(CI\)F' '\*S-1-5-32-544:\(OI\)\(CI\)F'/,
  );
  assert.match(
    plan.setup,
    /New-NetFirewallRule -Name 'rfarm-no-network-rfarm-b-a1b2c3d4' .* -Direction Outbound -Action Block -LocalUser "D:\(A;;CC;;;\$\(\$user\.SID\.Value\)\)"/,
  );
  assert.not.match(plan.setup, /Administrators|Add-LocalGroupMember/, 'the account joins no privileged group');
  assert.match(plan.teardown, /Remove-NetFirewallRule -Name 'rfarm-no-network-rfarm-b-a1b2c3d4'/);
  assert.match(plan.teardown, /Remove-LocalUser -Name 'rfarm-b-a1b2c3d4'/);
});

test('Windows: the dependency step keeps the network and so has no block rule', () => {
  const plan = windowsSandboxPlan({ ...windows, network: true });
  assert.is(plan.firewallRule, null);
  assert.not.match(plan.setup, /NetFirewallRule/);
});

test('Windows: the Job Object kills the whole tree on close and caps memory, processes and CPU time', () => {
  const { job } = windowsSandboxPlan(windows);
  assert.is(job.limitFlags & JOB_OBJECT.limitKillOnJobClose, 0x2000);
  assert.is(job.limitFlags & JOB_OBJECT.limitJobMemory, 0x200);
  assert.is(job.limitFlags & JOB_OBJECT.limitActiveProcess, 0x8);
  assert.is(job.limitFlags, 0x2000 | 0x400 | 0x200 | 0x8 | 0x4);
  assert.is(job.perJobUserTimeTicks, 36_000_000_000n);
  assert.is(job.jobMemoryLimit, 4 * 2 ** 30);
  assert.is(job.activeProcessLimit, 256);
  assert.is(job.uiRestrictions, 0xff);
});

test('Windows: arguments are quoted so CommandLineToArgvW returns them unchanged', () => {
  assert.is(windowsSandboxPlan(windows).commandLine, 'C:\\R\\bin\\R.exe CMD check "pkg 1.0.tar.gz"');
  assert.is(quoteWindowsArgument('a"b'), '"a\\"b"');
  assert.is(quoteWindowsArgument('C:\\dir with space\\'), '"C:\\dir with space\\\\"');
  assert.is(quoteWindowsArgument(''), '""');
});

test('macOS: the profile denies by default, writes only the job directory and denies the network', () => {
  const profile = macosSandboxProfile('/var/rfarm/jobs/x', '/var/rfarm/jobs/x/tmp', false);
  assert.match(profile, /^\(version 1\)\n\(deny default\)/);
  assert.match(profile, /\(allow file-read\* file-write\* \(subpath "\/var\/rfarm\/jobs\/x"\) \(subpath "\/var\/rfarm\/jobs\/x\/tmp"\)\)/);
  assert.match(profile, /\(deny network\*\)/);
  assert.not.match(profile, /\/Users|\/var\/rfarm\/agent/, 'no other user’s home and no agent data is readable');
  assert.match(macosSandboxProfile('/j', '/j/tmp', true), /\(allow network-outbound\)/);
  assert.is(sbplString('a"b\\c'), '"a\\"b\\\\c"');
});

test('macOS: a hidden per-build user runs the step under sandbox-exec with ulimits', () => {
  const plan = macosSandboxPlan(unix, 3);
  assert.is(plan.user, '_rfarm_b3');
  assert.is(plan.uid, 603);
  assert.ok(plan.setup.some((line) => line.join(' ') === '/usr/bin/dscl . -create /Users/_rfarm_b3 UserShell /usr/bin/false'));
  assert.ok(plan.setup.some((line) => line.join(' ') === '/usr/sbin/chown -R 603:20 /var/rfarm/jobs/a1b2c3d4'));
  const argv = plan.argv.join(' ');
  assert.match(argv, /^\/usr\/bin\/sudo -n -u _rfarm_b3 -H -- \/usr\/bin\/env -i HOME=\/var\/rfarm\/jobs\/a1b2c3d4 /);
  assert.match(
    argv,
    /ulimit -f 2097152 -u 256 -t 3600 && exec "\$@" rfarm-sandbox \/usr\/bin\/sandbox-exec -f \/var\/rfarm\/sandbox\/a1b2c3d4\.sb \/usr\/local\/bin\/R CMD check pkg_1\.0\.tar\.gz$/,
  );
  assert.equal(plan.teardown[0], ['/usr/bin/pkill', '-KILL', '-U', '603']);
  assert.throws(() => macosSandboxPlan(unix, 400), RangeError);
});

test('Solaris: a per-build project carries the resource controls and the step loses net_access', () => {
  const plan = solarisSandboxPlan(unix, 7);
  assert.is(plan.project, 'rfarm.a1b2c3d4');
  const projadd = plan.setup.find((line) => line[0] === '/usr/sbin/projadd')!.join(' ');
  assert.match(projadd, /-U rfb7 /);
  assert.match(projadd, /-K project\.max-processes=\(privileged,256,deny\)/);
  assert.match(projadd, /-K process\.max-file-size=\(privileged,1073741824,deny\)/);
  assert.match(projadd, /-K process\.max-cpu-time=\(privileged,3600,signal=SIGKILL\)/);
  assert.match(projadd, /-K rcap\.max-rss=4294967296 rfarm\.a1b2c3d4$/);
  assert.ok(
    plan.setup.some((line) => line.join(' ') === '/usr/bin/passwd -N rfb7'),
    'the user has no password to log in with',
  );
  assert.equal(plan.argv.slice(0, 10), [
    '/usr/bin/su',
    'rfb7',
    '-c',
    '"$0" "$@"',
    '/usr/bin/newtask',
    '-p',
    'rfarm.a1b2c3d4',
    '/usr/bin/ppriv',
    '-s',
    'EIPL-net_access,-proc_info,-proc_session,-file_link_any',
  ]);
  assert.equal(plan.argv.slice(11), unix.command);
  assert.is(solarisSandboxPlan({ ...unix, network: true }, 7).argv[9], 'EIPL-proc_info,-proc_session,-file_link_any');
});

test('unsafe build ids, relative or climbing paths and zero limits are refused before anything runs', () => {
  const refused = (make: () => unknown) => assert.throws(make, (error: unknown) => error instanceof ForeignSandboxSpecError);
  refused(() => windowsSandboxPlan({ ...windows, buildId: "x';Remove-Item C:\\ -Recurse;'" }));
  refused(() => windowsSandboxPlan({ ...windows, jobDir: 'C:\\rfarm\\..\\Windows' }));
  refused(() => windowsSandboxPlan({ ...windows, jobDir: 'C:\\jobs\\$(evil)' }));
  refused(() => macosSandboxPlan({ ...unix, jobDir: 'relative/dir' }, 1));
  refused(() => macosSandboxPlan({ ...unix, jobDir: '/jobs/a"b' }, 1));
  refused(() => solarisSandboxPlan({ ...unix, limits: { ...limits, maxProcesses: 0 } }, 1));
  refused(() => solarisSandboxPlan({ ...unix, command: [] }, 1));
});

test.run();
