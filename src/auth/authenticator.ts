/**
 * From a credential to the viewer the API acts for. Token signatures are checked by TokenService;
 * here agent tokens are also checked against the agent as it is now (it exists, is enabled, belongs
 * to the token's company, and the token's version was not revoked), supervisor tokens against their
 * company (it exists, its supervisor token version was not bumped). The directory is cached, so this
 * costs no database read in steady state.
 */
import type { Directory } from '../services/directory.js';
import { AuthError, type TokenService, type Viewer } from './tokens.js';

export class Authenticator {
  constructor(private readonly deps: { tokens: TokenService; directory: Directory }) {}

  async authenticate(credential: string): Promise<Viewer> {
    // A token seen before is answered without a promise of its own (it is never the admin key).
    const claims = this.deps.tokens.remembered(credential) ?? (await this.deps.tokens.authenticate(credential));
    if (claims.role === 'admin') return claims;
    const version = claims.tokenVersion ?? 0;
    if (claims.role === 'supervisor') {
      const company = await this.deps.directory.company(claims.companyId);
      if (!company) throw new AuthError('company removed');
      if (company.supervisorTokenVersion !== version) throw new AuthError('token revoked');
      return { role: 'supervisor', companyId: claims.companyId, expiresAt: claims.expiresAt };
    }
    const cached = this.deps.directory.cachedAgent(claims.agentId);
    const found = cached !== undefined ? cached : await this.deps.directory.agent(claims.agentId);
    if (!found?.agent.enabled || found.company.id !== claims.companyId) throw new AuthError('agent disabled or removed');
    if (found.agent.tokenVersion !== version) throw new AuthError('token revoked');
    return { role: 'agent', companyId: claims.companyId, agentId: claims.agentId, expiresAt: claims.expiresAt };
  }
}
