// The supervisor board: a DOM-free controller (live presence, figures, waiting callers, route preview, voicemails,
// routing and status actions) and the panels that show it, the live calls (live-calls.ts: supervise, call back);
// in the demo, "Simulate a call". A second view,
// Reports, charts today's figures (reports.ts fetches, report-charts.ts draws).
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
import { callBackControl, createLiveCallsController, liveCallsPanel, missedCallsPanel } from './live-calls.js';
import { createMissedCallsController } from './missed-calls.js';
import { reportsPanel } from './report-charts.js';
import { createReportsController } from './reports.js';
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
  const calls = createLiveCallsController({ api, companyId });
  const liveCalls = liveCallsPanel(calls, controller);
  const voicemails = voicemailsPanel(controller, (v) => callBackControl(calls, controller, v));
  const missedController = createMissedCallsController({ api, companyId, board: controller.store });
  const missed = missedCallsPanel(missedController, calls, controller);
  const simulate = simulatorPanel(simulator);
  // The reports view fetches only while open; the live view keeps its subscriptions either way.
  const reportsController = createReportsController({ api, companyId, board: controller.store });
  const reports = reportsPanel(reportsController);
  const live = h(
    'main',
    { class: 'board', id: 'live-view' },
    stats.element,
    liveCalls.element,
    waiting.element,
    agents.element,
    h('div', { class: 'side' }, simulate.element, preview.element, routing.element),
    voicemails.element,
    missed.element,
  );
  const tab = (view: 'live' | 'reports', label: string) =>
    h(
      'button',
      { type: 'button', role: 'tab', class: 'view-tab', id: `${view}-tab`, 'aria-controls': `${view}-view`, onclick: () => show(view) },
      label,
    );
  const tabs = { live: tab('live', 'Live'), reports: tab('reports', 'Reports') };
  function show(view: 'live' | 'reports') {
    live.hidden = view !== 'live';
    for (const [name, button] of Object.entries(tabs)) button.setAttribute('aria-selected', String(name === view));
    reportsController.setActive(view === 'reports');
  }
  show('live');
  replace(
    root,
    topbar.element,
    h('nav', { class: 'view-tabs', role: 'tablist', 'aria-label': 'Board views' }, tabs.live, tabs.reports),
    live,
    reports.element,
  );
  return () => {
    for (const p of [topbar, stats, liveCalls, waiting, agents, preview, routing, voicemails, missed, simulate, reports]) p.dispose();
    reportsController.dispose();
    missedController.dispose();
    calls.dispose();
    simulator.dispose();
    controller.dispose();
    replace(root);
  };
}
