// A case of module-cost.bench.ts: the live view's drawing as the agent made it before it was
// generated: the fallback-event machine laid out by elkjs at start.
import { fallbackEventMachine } from '../../machines/fallback-event.machine.js';
import { renderStatechart } from '../../visualizations/statechart.svg.js';

export const svg = await renderStatechart(fallbackEventMachine);
