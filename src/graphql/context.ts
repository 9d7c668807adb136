import type { Viewer } from '../auth/tokens.js';
import type { Services } from '../services/index.js';

export interface Context {
  viewer: Viewer | null;
  services: Services;
  /** Set for graphql-ws connections authenticated as an agent (socket presence). */
  requestId: string;
}
