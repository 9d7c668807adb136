import type { Viewer } from '../auth/tokens.js';
import type { Services } from '../services/index.js';
import type { SharedDelivery } from './shared-subscriptions.js';

export interface Context {
  viewer: Viewer | null;
  services: Services;
  /** Set for graphql-ws connections authenticated as an agent (socket presence). */
  requestId: string;
  /** True over graphql-ws (the socket itself ends at expiry or revocation); false over HTTP/SSE. */
  overWebSocket?: boolean;
  /** The credential the viewer was authenticated from (SSE streams register it for revocation re-checks). */
  credential?: string | null;
  /** graphql-ws subscriptions only: where a subscription field hands its feed (src/graphql/shared-subscriptions.ts). */
  sharedDelivery?: SharedDelivery;
}
