#!/usr/bin/env node
// The `rfarm` command: registers tsx so the TypeScript entry runs without a build step.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
