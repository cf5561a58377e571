// ESLint flat config: the recommended rules of ESLint and typescript-eslint, without type information
// so that the lint stays fast (`npm run typecheck` is the type check). Formatting is prettier's
// (`npm run format:check` in .ci/run); eslint-config-prettier turns off the rules that would fight it.
import js from '@eslint/js';
import prettierConfig from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['node_modules/', '.farm/', '.test-farm/', 'test/screenshots/', '**/*.Rcheck/', 'control-plane/api-types.ts'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  prettierConfig,
  {
    rules: {
      // `for await (const _key of …) count++` and `_`-prefixed parameters say "unused on purpose".
      '@typescript-eslint/no-unused-vars': ['error', { varsIgnorePattern: '^_', argsIgnorePattern: '^_' }],
    },
  },
  {
    // Plain JavaScript run by Node: the bootstrap (runs before TypeScript can), the CLI shim.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    // Scripts the web pages load in the browser.
    files: ['control-plane/web/static/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    // protocol/ owns the NATS connection: everything else gets the farm's records, objects and the
    // narrow operations protocol/index.ts exports, never the connection or the JetStream clients.
    files: ['**/*.ts'],
    // backup/ is a role of its own that speaks JetStream's snapshot API on its own connection; the
    // rehearsal's probe connects as a builder pool to show what that pool's credentials are refused.
    ignores: ['protocol/**', 'test/**', 'backup/**', 'scripts/rehearsal/nats-probe.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['@nats-io/transport-node', '@nats-io/jetstream', '@nats-io/nats-core'].map((name) => ({
            name,
            message: 'NATS is reached through protocol/ (protocol/index.ts); add what you need there.',
          })),
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'MemberExpression[property.name=/^(nc|js|jsm)$/]',
          message: "The farm's connection and JetStream clients are protocol/'s own; use what protocol/index.ts exports.",
        },
      ],
    },
  },
  {
    // Tests, the bench and the Pulumi program read untyped data by nature (JSON response bodies,
    // Pulumi engine input bags, cloud API shapes); `any` there is a reading aid, not a hole in a
    // typed interface. Service code keeps the rule.
    files: ['test/**', 'bench/**', 'infra/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
