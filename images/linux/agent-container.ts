/**
 * How a Linux worker container must be run for the agent's bubblewrap sandbox to work inside it:
 * the one list of `docker run` flags, used by the local farm (scripts/platform-containers.ts) and by
 * the cloud builders' systemd unit (infra/user-data/linux-builder.ts). Pure data.
 *
 * The sandbox (images/agent/sandbox.ts) runs bwrap as the container's unprivileged `rfarm` user with
 * --unshare-user/--unshare-pid/--unshare-net/…, --proc /proc, --dev /dev and a sized tmpfs /tmp. Measured
 * with that invocation in these images (test/platforms/sandbox-in-container.test.ts):
 *  - Docker's default seccomp profile refuses clone/unshare(CLONE_NEWUSER) and mount without
 *    CAP_SYS_ADMIN: bwrap fails with "Creating new namespace failed: Operation not permitted".
 *  - Docker masks parts of /proc (kcore, sysrq-trigger, …) with overmounts; the kernel then refuses a
 *    fresh proc mount in a new user namespace (mount_too_revealing): "Can't mount proc on
 *    /newroot/proc: Operation not permitted". `systempaths=unconfined` lifts the masks; bwrap covers
 *    /proc/sys, sysrq-trigger, irq and bus read-only in its own /proc, and the agent is not root.
 *  - AppArmor's docker-default profile denies mount (where AppArmor is on: the cloud builders).
 * No capability is added: the user namespace gives bwrap what it needs, so `--cap-add SYS_ADMIN` is
 * not wanted, and the container root's capabilities are not what the sandbox runs with.
 */

/** Security options that let the unprivileged agent create bubblewrap sandboxes; nothing more. */
export const SANDBOX_SECURITY_OPTIONS: readonly string[] = Object.freeze([
  '--security-opt',
  'seccomp=unconfined',
  '--security-opt',
  'apparmor=unconfined',
  '--security-opt',
  'systempaths=unconfined',
]);

/** The user the agent runs as inside the image (images/linux/scripts/add-agent-user.sh). */
export const AGENT_USER = { name: 'rfarm', uid: 10001, gid: 10001 } as const;

/** Where the agent keeps job directories and its dependency cache inside the container. */
export const CONTAINER_DATA_DIR = '/var/lib/rfarm';

/**
 * Every `docker run` flag an agent container needs whatever the host: the sandbox's security
 * options, the agent user, and the data directory as its working directory.
 */
export function agentContainerFlags(): string[] {
  return [...SANDBOX_SECURITY_OPTIONS, '--user', `${AGENT_USER.uid}:${AGENT_USER.gid}`, '--env', `FARM_DATA_DIR=${CONTAINER_DATA_DIR}`];
}
