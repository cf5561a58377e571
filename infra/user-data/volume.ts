/** Commands that format (once) and mount a DigitalOcean block volume. */

/** The device path DigitalOcean gives an attached volume. */
export function volumeDevice(volumeName: string): string {
  return `/dev/disk/by-id/scsi-0DO_Volume_${volumeName}`;
}

/** Format the volume if it has no filesystem yet, mount it at `mountPoint` and keep it in fstab. */
export function mountVolumeCommands(volumeName: string, mountPoint: string): string[] {
  const device = volumeDevice(volumeName);
  return [
    `for i in $(seq 1 60); do [ -e ${device} ] && break; sleep 2; done`,
    `blkid ${device} || mkfs.ext4 -q ${device}`,
    `mkdir -p ${mountPoint}`,
    `grep -q '${device}' /etc/fstab || echo '${device} ${mountPoint} ext4 defaults,nofail,discard 0 2' >> /etc/fstab`,
    'mount -a',
  ];
}
