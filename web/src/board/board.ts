// The supervisor board: a DOM-free controller (live presence, figures, route preview, voicemails,
// routing and status actions) and the panels that show it.
import { connect } from '../api.js';
import { h, replace } from '../dom.js';
import { createBoardController } from './controller.js';
import { agentsPanel, previewPanel, routingPanel, statsPanel, topbarPanel, voicemailsPanel } from './panels.js';

/** Mounts the board into `root`; the returned function takes it all down again. */
export function mountBoard(root: HTMLElement, token: string, companyId: string, signOut: () => void): () => void {
  const controller = createBoardController({ api: connect(token), companyId });
  const topbar = topbarPanel(controller, signOut);
  const stats = statsPanel(controller);
  const agents = agentsPanel(controller);
  const preview = previewPanel(controller);
  const routing = routingPanel(controller);
  const voicemails = voicemailsPanel(controller);
  replace(
    root,
    topbar.element,
    h(
      'main',
      { class: 'board' },
      stats.element,
      agents.element,
      h('div', { class: 'side' }, preview.element, routing.element),
      voicemails.element,
    ),
  );
  return () => {
    for (const p of [topbar, stats, agents, preview, routing, voicemails]) p.dispose();
    controller.dispose();
    replace(root);
  };
}
