/**
 * The house rules `npm test` checks (npm run deps:check): the functional core stays pure, the
 * infrastructure knows nothing of the services built on it, and nothing imports in a circle.
 * Type-only imports count too: a cycle of types is still a knot a newcomer has to untie.
 */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'src/domain holds pure rules: it imports only itself and libraries, never I/O or services.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^src/', pathNot: '^src/domain/' },
    },
    {
      name: 'infra-imports-no-services',
      comment: 'src/infra is plumbing (database, Redis, pub/sub, metrics): the services use it, not the other way round.',
      severity: 'error',
      from: { path: '^src/infra/' },
      to: { path: '^src/(services|calls|presence|graphql|http|telnyx|auth)/' },
    },
    {
      name: 'no-cycles',
      comment: 'Modules that import each other (directly or through others) cannot be understood or changed alone.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js'],
    },
  },
};
