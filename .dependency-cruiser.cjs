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
      name: 'simulator-is-telnyx',
      comment:
        "src/simulator is a fake of Telnyx, written from its documentation: it must not borrow the service's code (that would make it agree with us instead of with Telnyx). Only the Clock type is shared.",
      severity: 'error',
      from: { path: '^src/simulator/' },
      to: { path: '^src/', pathNot: '^src/(simulator/|domain/clock\\.ts$)' },
    },
    {
      name: 'only-the-demo-runs-the-simulator',
      comment:
        'The service never depends on the simulator: only the composition root (src/main.ts) and the demo wiring (src/demo) start it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(simulator/|demo/|main\\.ts$)' },
      to: { path: '^src/simulator/' },
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
