// The Stately inspector, off by default: when configured, every fallback-event actor's
// inspection events go over a WebSocket through @statelyai/inspect. A real WebSocket server
// stands in for the inspector's bridge and must receive the actor and its snapshots.
import { createWebSocketInspector } from '@statelyai/inspect';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocketServer } from 'ws';
import { Agent } from '../../runtime/agent/agent.js';
import { FallbackEventStore } from '../../runtime/kube/fallback-event.store.js';
import { agentConfig, createAsgPair, loud, ON_DEMAND_ASG, quietLog, SPOT_ASG, startAgentWorld, waitFor, type AgentWorld } from '../harness/agent-world.js';

interface Ctx {
  world: AgentWorld;
  wss: WebSocketServer;
  received: { type?: string; name?: string; snapshot?: { value?: unknown; context?: unknown } }[];
}
const test = suite<Ctx>('Stately inspection events');

test.before(
  loud(async (ctx) => {
    ctx.world = await startAgentWorld();
    await createAsgPair(ctx.world.moto, 3, 0);
    ctx.received = [];
    ctx.wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => ctx.wss.once('listening', r));
    ctx.wss.on('connection', (socket) => socket.on('message', (data: Buffer) => ctx.received.push(JSON.parse(data.toString()) as Ctx['received'][number])));
  }),
);
test.after(async (ctx) => {
  ctx.wss?.close();
  await ctx.world?.stop();
});

test('off by default: the shipped configuration sends nothing', () => {
  assert.is(agentConfig().statelyInspectUrl, undefined);
});

test('configured: the event\'s actor and its snapshots reach the inspector', async ({ world, wss, received }) => {
  const { port } = wss.address() as { port: number };
  const inspector = createWebSocketInspector({ url: `ws://127.0.0.1:${port}` });
  const kubeConfig = world.agentKubeConfig();
  const agent = new Agent({ identity: { podName: 'spot-guard-i', nodeName: 'spot-node-0' }, config: agentConfig({ SPOT_GUARD_MINIMUM_WAIT: '1h' }), kubeConfig, autoscaling: world.aws, inspect: inspector.inspect, log: quietLog() });
  agent.start();
  try {
    const store = new FallbackEventStore(world.admin);
    const event = await store.create(
      { spotASGName: SPOT_ASG, onDemandASGName: ON_DEMAND_ASG, onDemandInstanceID: 'i-0123456789abcdef0', onDemandNodeName: 'od-node', timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), minimumWaitDuration: '1h' },
      { phase: 'Pending' },
    );
    const name = event.metadata?.name ?? '';
    await waitFor(() => `an actor registration and a Pending snapshot for the event (got ${received.length}: ${received.map((e) => e.type).slice(0, 10).join(', ')})`, () => {
      const actor = received.some((e) => e.type === '@xstate.actor' && e.name === 'fallbackEvent');
      const snapshot = received.some((e) => e.type === '@xstate.snapshot' && JSON.stringify(e.snapshot?.value ?? '').includes('Pending') && JSON.stringify(e.snapshot?.context ?? '').includes(name));
      return actor && snapshot;
    }, 30_000);
  } finally {
    await agent.stop({ release: false });
    inspector.stop();
  }
});

test.run();
