#!/usr/bin/env node
// The `spot-guard` command. Sources are TypeScript, loaded through tsx; the container image
// runs the same entry point.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../dev/cli.ts');
process.exitCode = await main(process.argv.slice(2));
