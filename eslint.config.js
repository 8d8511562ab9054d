import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/.out/**', 'web/dist/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Documents can be flat and huge (a 150,000-line code block, 100,000 code spans in a paragraph):
    // a spread into a call puts every element on the stack and throws RangeError. Use append() (domain/arrays.ts).
    files: ['src/parse/**', 'src/extract/**', 'src/ingest/**'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'CallExpression > SpreadElement', message: 'A spread into a call overflows the stack on large input: use append() from domain/arrays.ts, or a loop.' },
        { selector: 'NewExpression > SpreadElement', message: 'A spread into a call overflows the stack on large input: use a loop.' },
      ],
    },
  },
  {
    // Only the CLI, benchmarks and scripts print; everything else logs to stderr through the logger.
    files: ['src/cli/**', 'bench/**', 'scripts/**', 'bin/**'],
    rules: { 'no-console': 'off' },
  },
);
