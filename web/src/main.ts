// Entry: #/agent → softphone, #/board → supervisor board, anything else → sign-in.
import './styles.css';
import { h, replace } from './dom.js';
import { requestOverHttp } from './api.js';
import type { ViewerQuery } from './gql/graphql.js';
import { ViewerQuery as ViewerDocument } from './graphql/operations.js';
import { currentView, forgetToken, takeToken } from './session.js';

const root = document.getElementById('app')!;

/** Which view a token opens (agent or supervisor), through the typed ViewerQuery; null when it is not valid. */
async function viewerOf(token: string): Promise<ViewerQuery['viewer']> {
  return (await requestOverHttp(ViewerDocument, {}, token)).viewer;
}

function signIn(message = '') {
  const input = h('input', {
    id: 'token-input',
    type: 'password',
    placeholder: 'Paste an agent or supervisor token',
    autocomplete: 'off',
    required: true,
  });
  const error = h('p', { class: 'form-message error', role: 'alert' }, message);
  const form = h(
    'form',
    { class: 'card signin', id: 'signin-form' },
    h('div', { class: 'brand big' }, h('span', { class: 'logo' }, 'C'), 'Curbe Voice'),
    h('p', {}, 'Open the softphone or supervisor link printed by ', h('code', {}, 'npm start'), ', or paste a token.'),
    input,
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
    error,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const token = input.value.trim();
    const viewer = await viewerOf(token).catch(() => null);
    if (!viewer || viewer.role === 'ADMIN') return void (error.textContent = 'That token is not valid for an agent or a supervisor.');
    location.hash = `#/${viewer.role === 'AGENT' ? 'agent' : 'board'}?token=${encodeURIComponent(token)}`;
  });
  replace(root, h('main', { class: 'center' }, form));
}

async function start() {
  const { view } = currentView();
  root.className = `view-${view}`;
  if (view === 'home') return signIn();
  const token = takeToken(view);
  if (!token) return signIn();
  let unmount: (() => void) | undefined;
  const signOut = () => {
    // Heartbeats and the socket stop first, so the agent goes offline at once rather than at lease expiry.
    unmount?.();
    forgetToken(view);
    location.hash = '#/';
    location.reload();
  };
  if (view === 'agent') {
    const { mountSoftphone } = await import('./softphone/softphone.js');
    unmount = mountSoftphone(root, token, signOut);
    return;
  }
  const viewer = await viewerOf(token).catch(() => null);
  if (!viewer?.companyId) {
    forgetToken(view);
    return signIn('This supervisor link is not valid (expired or revoked). Ask for a new one.');
  }
  const { mountBoard } = await import('./board/board.js');
  unmount = mountBoard(root, token, viewer.companyId, signOut);
}

window.addEventListener('hashchange', () => location.reload());
void start();
