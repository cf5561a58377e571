/**
 * The instance types a Windows pool's Spot group may launch: the configured type first, then the
 * other general-purpose families of the same size, so that one type's Spot shortage does not stop
 * the pool. Only types of the same vCPUs and memory (AWS's published specs, below): the agents a
 * host runs (infra/sizing.ts `agentsFor`) and each build's slice of it must not depend on which
 * type Spot gave.
 */
import type { MachineShape } from '../sizing.ts';

/** Published vCPUs and memory of the general-purpose sizes the Spot groups draw from (4 GiB per vCPU). */
export const GENERAL_PURPOSE_SHAPES: Readonly<Record<string, MachineShape>> = {
  large: { vcpus: 2, memoryGiB: 8 },
  xlarge: { vcpus: 4, memoryGiB: 16 },
  '2xlarge': { vcpus: 8, memoryGiB: 32 },
};

/**
 * Families with those shapes at every size above, Intel then AMD (Windows and Rtools run on both;
 * all Nitro, so the Windows AMI boots on each). Burstable (t3) and flex (m7i-flex) types are left
 * out: a check runs the CPU flat out for minutes.
 */
export const SPOT_FAMILIES = ['m7i', 'm6i', 'm5', 'm6a', 'm5a'] as const;

/** The Spot group's instance types for a pool configured with `instanceType`; just that type if its family or size is not in the tables above. */
export function spotInstanceTypesFor(instanceType: string): string[] {
  const [family, size] = instanceType.split('.');
  if (!size || !(SPOT_FAMILIES as readonly string[]).includes(family) || !GENERAL_PURPOSE_SHAPES[size]) return [instanceType];
  return [instanceType, ...SPOT_FAMILIES.filter((other) => other !== family).map((other) => `${other}.${size}`)];
}
