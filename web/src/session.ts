// The token arrives in the link (#/agent?token=…); it is kept in this tab's sessionStorage and removed
// from the address bar so it does not linger in history or screenshots.
export type View = 'agent' | 'board' | 'home';

export function currentView(hash = location.hash): { view: View; tokenInUrl: string | null } {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const view: View = path === '/agent' ? 'agent' : path === '/board' ? 'board' : 'home';
  return { view, tokenInUrl: new URLSearchParams(query).get('token') };
}

export function takeToken(view: Exclude<View, 'home'>): string | null {
  const key = `curbe.${view}.token`;
  const { tokenInUrl } = currentView();
  if (tokenInUrl) {
    sessionStorage.setItem(key, tokenInUrl);
    history.replaceState(null, '', `${location.pathname}#/${view}`);
    return tokenInUrl;
  }
  return sessionStorage.getItem(key);
}

export function forgetToken(view: Exclude<View, 'home'>): void {
  sessionStorage.removeItem(`curbe.${view}.token`);
}
