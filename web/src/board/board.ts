// The supervisor board: a DOM-free controller (live presence, figures, waiting callers, route preview, voicemails,
// routing and status actions) and the panels that show it; in the demo, "Simulate a call".
import { connect } from '../api.js';
import { h, replace } from '../dom.js';
import { createBoardController } from './controller.js';
import {
  agentsPanel,
  previewPanel,
  routingPanel,
  simulatorPanel,
  statsPanel,
  topbarPanel,
  voicemailsPanel,
  waitingPanel,
} from './panels.js';
import { callBackControl, createLiveCallsController, liveCallsPanel } from './live-calls.js';
import { createSimulatorController } from './simulator.js';

/** Mounts the board into `root`; the returned function takes it all down again. */
export function mountBoard(root: HTMLElement, token: string, companyId: string, signOut: () => void): () => void {
  const api = connect(token);
  const controller = createBoardController({ api, companyId });
  // The demo's local Telnyx only: the panel stays hidden unless GET /simulator answers.
  const simulator = createSimulatorController({ api, companyId });
  const topbar = topbarPanel(controller, signOut);
  const stats = statsPanel(controller);
  const waiting = waitingPanel(controller);
  const agents = agentsPanel(controller);
  const preview = previewPanel(controller);
  const routing = routingPanel(controller);
  const live = createLiveCallsController({ api, companyId });
  const liveCalls = liveCallsPanel(live, controller);
  const voicemails = voicemailsPanel(controller, (v) => callBackControl(live, controller, v));
  const simulate = simulatorPanel(simulator);
  replace(
    root,
    topbar.element,
    h(
      'main',
      { class: 'board' },
      stats.element,
      liveCalls.element,
      waiting.element,
      agents.element,
      h('div', { class: 'side' }, simulate.element, preview.element, routing.element),
      voicemails.element,
    ),
  );
  return () => {
    for (const p of [topbar, stats, liveCalls, waiting, agents, preview, routing, voicemails, simulate]) p.dispose();
    live.dispose();
    simulator.dispose();
    controller.dispose();
    replace(root);
  };
}
