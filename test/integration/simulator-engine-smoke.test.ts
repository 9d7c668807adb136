import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatStep } from '../../src/simulator/transcript.js';
import { type Simulation, startSimulation } from '../support/simulation.js';

describe('smoke', () => {
  let sim: Simulation;
  beforeAll(async () => {
    sim = await startSimulation();
  });
  afterAll(() => sim.close());

  it('runs', async () => {
    const c = await sim.company({
      number: '+13055550111',
      routing: { mode: 'SEQUENTIAL', ringTimeoutSeconds: 15, languageMenu: undefined },
      agents: [{ name: 'ana' }, { name: 'ben', position: 1 }],
    });
    const r = await sim.call('call from +15551230000 to +13055550111; agent ana declines after 2 s; agent ben answers after 3 s', {
      agents: c.agents,
    });
    console.log(r.steps.map(formatStep).join('\n'));
    expect(r.outcome).toBe('ANSWERED');
  });
});
