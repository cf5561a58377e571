/** Subnet layout of the AWS VPC: /20s carved from the VPC range, one public then the private ones. */

/** The public subnet (NAT gateway) and one private subnet per availability zone. */
export function subnetCidrs(vpcCidr: string, zones: number): { public: string[]; private: string[] } {
  const [address, prefix] = vpcCidr.split('/');
  if (Number(prefix) > 20) throw new Error(`AWS VPC range ${vpcCidr} is smaller than /20; give at least a /16`);
  const base = address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  const block = (index: number) => {
    const start = base + index * 4096;
    return `${[24, 16, 8, 0].map((shift) => (start >>> shift) & 255).join('.')}/20`;
  };
  const capacity = 2 ** (20 - Number(prefix));
  if (zones + 1 > capacity) throw new Error(`AWS VPC range ${vpcCidr} holds ${capacity} /20 subnets; ${zones + 1} are needed`);
  return { public: [block(0)], private: Array.from({ length: zones }, (_, index) => block(index + 1)) };
}
