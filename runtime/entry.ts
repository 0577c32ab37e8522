// What the image runs: `node dist/spot-guard-agent.mjs agent` (see dev/build/agent.build.ts).
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
