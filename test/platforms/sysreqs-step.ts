/**
 * Run inside an agent container by sysreqs-as-agent.test.ts: the agent's own system-requirements
 * step (images/agent/system-requirements.ts), as the agent runs it (its platform, its install
 * setting from FARM_INSTALL_SYSREQS), for a DESCRIPTION; prints the outcome and the output as JSON.
 * Usage: node --import tsx test/platforms/sysreqs-step.ts <sysreqs url> <SystemRequirements text>
 */
import { findPlatform } from '../../images/index.ts';
import { SystemRequirements } from '../../images/agent/system-requirements.ts';

const [url, requirements] = process.argv.slice(2);
const platform = findPlatform(process.env.FARM_PLATFORM ?? '');
if (!platform) throw new Error(`FARM_PLATFORM=${process.env.FARM_PLATFORM} is not a catalogue platform`);
let output = '';
const sink = {
  bytes: 0,
  write(text: string) {
    output += text;
    this.bytes += text.length;
  },
};
const description = `Package: needsys\nVersion: 1.0\nSystemRequirements: ${requirements}\n`;
const outcome = await new SystemRequirements(url, platform, process.env.FARM_INSTALL_SYSREQS === '1').prepare(description, sink);
console.log(JSON.stringify({ uid: process.getuid?.(), path: process.env.PATH, outcome, output }));
