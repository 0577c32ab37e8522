// The adapter's contract cases (shared with moto) against the simulator, which answers an
// unknown group as AWS does: a ValidationError the adapter maps to NotFound.
import { autoScalingContract, CONTRACT_GROUPS, CONTRACT_SIZES, type ContractBackend } from '../harness/autoscaling-contract.js';
import { startSimulator } from '../../dev/simulator/simulator.js';

async function simulatorBackend(): Promise<ContractBackend> {
  const sim = await startSimulator();
  return {
    endpoint: sim.endpoint,
    unknownGroupCode: 'NotFound',
    async reset() {
      // The default delays are zero: instances are InService as soon as they launch, as in moto.
      await sim.control.reset();
      for (const g of CONTRACT_GROUPS) await sim.control.createGroup({ name: g.name, capacityType: g.capacityType, ...CONTRACT_SIZES, desiredCapacity: g.desired });
    },
    stop: () => sim.stop(),
  };
}

autoScalingContract('AWS Auto Scaling adapter (simulator)', simulatorBackend).run();
