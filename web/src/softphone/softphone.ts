// The agent's softphone: a DOM-free controller (heartbeats from a Worker clock over the open
// graphql-ws socket, Telnyx registration and retries, status rules) and the panels that show it.
import { connect } from '../api.js';
import { h, replace } from '../dom.js';
import { createSoftphoneController } from './controller.js';
import { workerClock } from './heartbeat-clock.js';
import { dialPadPanel, liveCallPanel } from './in-call-panels.js';
import { callPanel, noticePanel, presencePanel, topbarPanel } from './panels.js';
import { openLine } from './telnyx-line.js';

/** Mounts the softphone into `root`; the returned function takes it all down again. */
export function mountSoftphone(root: HTMLElement, token: string, signOut: () => void): () => void {
  const remoteAudio = h('audio', { id: 'remote-audio', autoplay: true });
  const controller = createSoftphoneController({
    api: connect(token),
    clock: workerClock,
    openLine: (opts, events) => openLine({ ...opts, remoteAudio }, events),
  });
  const topbar = topbarPanel(controller, signOut);
  const panels = [
    noticePanel(controller),
    presencePanel(controller),
    callPanel(controller),
    liveCallPanel(controller),
    dialPadPanel(controller),
  ];
  replace(root, topbar.element, h('main', { class: 'softphone' }, ...panels.map((p) => p.element), remoteAudio));
  // What the end-to-end tests and the page's styles read.
  const stopMarks = controller.store.subscribe((s) => {
    root.dataset.online = String(s.online);
    root.dataset.heartbeats = String(s.beats);
    root.dataset.telnyx = s.telnyx;
  });
  return () => {
    stopMarks();
    for (const p of [topbar, ...panels]) p.dispose();
    controller.dispose();
    replace(root);
  };
}
