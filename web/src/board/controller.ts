// The supervisor board without a DOM: the company, live presence rows, figures, the queues' waiting
// callers, the route preview, voicemails, and the board's actions (save routing, set an agent's status), as one plain state
// object that panels subscribe to.
import type { Api, ConnectionState } from '../api.js';
import type {
  AgentStatus,
  BoardCompanyQuery as CompanyData,
  CompanyQueuesFieldsFragment,
  CompanyStatsFieldsFragment,
  RoutePreviewQuery as PreviewData,
  VoicemailFieldsFragment,
} from '../gql/graphql.js';
import {
  BoardCompanyQuery,
  CompanyStatsChangedSubscription,
  PresenceChangedSubscription,
  QueuesChangedSubscription,
  RoutePreviewQuery,
  MarkVoicemailMutation,
  SetAgentStatusMutation,
  UpdateRoutingConfigMutation,
  VoicemailAudioQuery,
  VoicemailReceivedSubscription,
  VoicemailsQuery,
} from '../graphql/operations.js';
import { chooseStatus } from '../status-choice.js';
import { createStore, type Store } from '../store.js';
import { applyPresenceEvent, type AgentRow } from './presence-model.js';
import type { RoutingFormResult } from './routing-form.js';

export type BoardCompany = NonNullable<CompanyData['company']>;
export type RoutePreview = PreviewData['routePreview'];
export type BoardVoicemail = VoicemailFieldsFragment & { fresh: boolean };
type RoutingInput = Extract<RoutingFormResult, { ok: true }>['input'];

/** Presence decides who rings: the preview is refreshed once a burst of presence events settles. */
export const PREVIEW_SETTLE_MS = 250;

export interface BoardState {
  server: ConnectionState;
  company: BoardCompany | null;
  rows: ReadonlyMap<string, AgentRow>;
  /** When the board received each agent's last event (what the end-to-end tests measure). */
  renderedAt: ReadonlyMap<string, number>;
  stats: CompanyStatsFieldsFragment | null;
  /** The queues and their waiting callers (queuesChanged: the view now, then on every change). */
  queues: CompanyQueuesFieldsFragment | null;
  /** This browser's clock minus the server's, as of the last view: waits count up from the server's instants. */
  queuesClockSkewMs: number;
  preview: RoutePreview | null;
  previewError: string;
  /** Newest first; `fresh` = arrived live while the board was open. */
  voicemails: readonly BoardVoicemail[];
  loaded: boolean;
  loadError: string;
}

export interface BoardController {
  store: Store<BoardState>;
  refreshPreview(): Promise<void>;
  saveRouting(input: RoutingInput): Promise<{ ok: true } | { ok: false; message: string }>;
  /** Sets an agent's status as the supervisor; a break takes one of the company's reasons. */
  setAgentStatus(agentId: string, status: AgentStatus, reason?: string | null): Promise<{ ok: true } | { ok: false; message: string }>;
  /**
   * A fresh signed link to a voicemail's audio (links live 15 minutes, and a voicemail that has just
   * arrived is still being saved): null while it is not stored yet. Updates the item's transcription too.
   */
  voicemailAudio(id: string): Promise<string | null>;
  /** Marks a voicemail read/handled (or not); the item follows. */
  markVoicemail(id: string, change: { read?: boolean; handled?: boolean }): Promise<{ ok: true } | { ok: false; message: string }>;
  /** Ends the subscriptions and timers and closes the connection. */
  dispose(): void;
}

export function createBoardController(deps: {
  api: Pick<Api, 'request' | 'subscribe' | 'onState' | 'dispose'>;
  companyId: string;
  now?: () => number;
}): BoardController {
  const { api, companyId } = deps;
  const now = deps.now ?? Date.now;
  const store = createStore<BoardState>({
    server: 'connecting',
    company: null,
    rows: new Map(),
    renderedAt: new Map(),
    stats: null,
    queues: null,
    queuesClockSkewMs: 0,
    preview: null,
    previewError: '',
    voicemails: [],
    loaded: false,
    loadError: '',
  });
  let disposed = false;
  let previewTimer: ReturnType<typeof setTimeout> | undefined;
  const s = () => store.get();

  async function refreshPreview(): Promise<void> {
    try {
      const { routePreview } = await api.request(RoutePreviewQuery, { companyId });
      if (!disposed) store.set({ preview: routePreview, previewError: '' });
    } catch (err) {
      if (!disposed) store.set({ previewError: `Preview unavailable: ${(err as Error).message}` });
    }
  }

  function addVoicemail(v: VoicemailFieldsFragment, fresh: boolean) {
    if (s().voicemails.some((x) => x.id === v.id)) return;
    const item = { ...v, fresh };
    store.set({ voicemails: fresh ? [item, ...s().voicemails] : [...s().voicemails, item] });
  }

  function patchVoicemail(id: string, patch: Partial<BoardVoicemail>) {
    store.set({ voicemails: s().voicemails.map((v) => (v.id === id ? { ...v, ...patch } : v)) });
  }

  const teardown: (() => void)[] = [];
  teardown.push(
    api.onState((server) => {
      if (disposed) return;
      store.set({ server });
      // After a reconnect the subscriptions restart with a snapshot; refresh what is not pushed.
      if (server === 'connected') void refreshPreview();
    }),
    api.subscribe(PresenceChangedSubscription, { companyId }, ({ presenceChanged: e }) => {
      if (disposed) return;
      const renderedAt = new Map(s().renderedAt).set(e.presence.agentId, now());
      store.set({ rows: applyPresenceEvent(s().rows, e), renderedAt });
      clearTimeout(previewTimer);
      previewTimer = setTimeout(() => void refreshPreview(), PREVIEW_SETTLE_MS);
    }),
    api.subscribe(
      CompanyStatsChangedSubscription,
      { companyId },
      ({ companyStatsChanged }) => !disposed && store.set({ stats: companyStatsChanged }),
    ),
    api.subscribe(
      QueuesChangedSubscription,
      { companyId },
      ({ queuesChanged }) => !disposed && store.set({ queues: queuesChanged, queuesClockSkewMs: now() - Date.parse(queuesChanged.at) }),
    ),
    api.subscribe(
      VoicemailReceivedSubscription,
      { companyId },
      ({ voicemailReceived }) => !disposed && addVoicemail(voicemailReceived, true),
    ),
  );

  void (async () => {
    try {
      const [{ company }, { voicemails }] = await Promise.all([
        api.request(BoardCompanyQuery, { companyId }),
        api.request(VoicemailsQuery, { companyId }),
      ]);
      if (disposed) return;
      store.set({ company: company ?? null });
      for (const v of voicemails) addVoicemail(v, false);
      store.set({ loaded: true });
    } catch (err) {
      if (!disposed) store.set({ loaded: true, loadError: `Could not load: ${(err as Error).message}` });
    }
  })();

  return {
    store,
    refreshPreview,
    async saveRouting(input) {
      try {
        const { updateRoutingConfig } = await api.request(UpdateRoutingConfigMutation, { companyId, input });
        const company = s().company;
        if (!disposed && company) store.set({ company: { ...company, routing: updateRoutingConfig } });
        void refreshPreview();
        return { ok: true };
      } catch (err) {
        return { ok: false, message: (err as Error).message };
      }
    },
    async voicemailAudio(id) {
      const { voicemail } = await api.request(VoicemailAudioQuery, { id });
      if (!voicemail || disposed) return null;
      patchVoicemail(id, {
        audioUrl: voicemail.audioUrl,
        recordingStatus: voicemail.recordingStatus,
        transcription: voicemail.transcription,
      });
      return voicemail.audioUrl ?? null;
    },
    async markVoicemail(id, change) {
      try {
        const { markVoicemail } = await api.request(MarkVoicemailMutation, { id, ...change });
        if (!disposed) patchVoicemail(id, { read: markVoicemail.read, handled: markVoicemail.handled });
        return { ok: true };
      } catch (err) {
        return { ok: false, message: (err as Error).message };
      }
    },
    async setAgentStatus(agentId, status, reason = null) {
      const choice = chooseStatus(status, reason, s().company?.breakReasons ?? []);
      if (!choice.ok) return choice;
      try {
        // The board's row follows from the presenceChanged event the server publishes.
        await api.request(SetAgentStatusMutation, { input: { agentId, status: choice.status, reason: choice.reason } });
        return { ok: true };
      } catch (err) {
        return { ok: false, message: (err as Error).message };
      }
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      clearTimeout(previewTimer);
      for (const stop of teardown) stop();
      api.dispose();
      store.clear();
    },
  };
}
