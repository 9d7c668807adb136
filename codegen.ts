// GraphQL Code Generator: typed documents for web/ from the printed schema.
// `npm run codegen` writes web/src/gql; `npm run codegen:check` fails when they are out of date.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['web/src/**/*.ts', '!web/src/gql/**'],
  ignoreNoDocuments: false,
  // Imports with a .js extension, so the generated files also typecheck under the server's NodeNext
  // resolution (unit tests import the web controllers, which import these).
  emitLegacyCommonJSImports: false,
  generates: {
    'web/src/gql/': {
      preset: 'client',
      // Documents as strings: graphql-ws sends text, so the browser bundle needs no GraphQL parser.
      config: { useTypeImports: true, enumsAsTypes: true, scalars: { DateTime: 'string' }, documentMode: 'string' },
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
