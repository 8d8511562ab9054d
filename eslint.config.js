import tseslint from 'typescript-eslint';

/** The import boundary of the ports (see the block that uses it; src/app/boundary.test.ts proves it fires). */
export const BACKEND_BOUNDARY = {
  paths: [
    { name: 'better-sqlite3', message: 'SQLite stays inside src/store/sqlite, src/queue/sqlite and the backend factory (src/app/backend.ts): use the Store, JobQueue and IndexIntegrity ports.' },
    { name: 'pg', message: 'Optional drivers load lazily, with import(), in their adapter (src/store/postgres, src/queue/postgres, which alone see its types): an embedded user never needs them.' },
    { name: 'ioredis', message: 'Optional drivers load lazily, with import(), in their adapter (src/cache/redis, which alone sees its types): an embedded user never needs them.' },
  ],
  patterns: [
    {
      regex: '(^|/)(sqlite|postgres|redis)/',
      message: 'Adapters are wired only by the backend factory (src/app/backend.ts): depend on the ports (store/store.ts, queue/queue.ts, store/integrity.ts).',
    },
    { regex: '^(pg|ioredis)/', message: 'Optional drivers load lazily, with import(), in their adapter.' },
  ],
};

/** The same boundary for `import()`, which no-restricted-imports does not see. */
export const DYNAMIC_ADAPTER_IMPORT = {
  selector: 'ImportExpression[source.value=/(^|\\/)(sqlite|postgres|redis)\\/|^better-sqlite3$/]',
  message: 'Adapters are wired only by the backend factory (src/app/backend.ts), statically or with import(): depend on the ports.',
};

/**
 * SQL on the index's tables outside the adapters: a statement that names a
 * table of ours (`FROM sections`, `INSERT INTO edges`, `UPDATE queue_jobs` ...)
 * in a string or template belongs to the SQL adapters (store/sqlite,
 * queue/sqlite, store/postgres, queue/postgres) or the one test helper that
 * damages an index on purpose.
 */
const TABLES =
  '(?:documents|sections|sections_fts|section_vectors|entities|entity_aliases|entity_facts|edges|name_mentions|relink_pending|kv|sources|open_connections|lexical_sections|lexical_postings|index_state|vector_changes|docgraph_schema|api_keys|api_keys_meta|webhook_deliveries|webhook_deliveries_meta|queue_[a-z_]+)';
const SQL_ON_OUR_TABLES = `/\\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\\s+${TABLES}\\b/i`;
export const TABLE_NAMES = [
  { selector: `Literal[value=${SQL_ON_OUR_TABLES}]`, message: 'SQL on the index tables stays inside the SQL adapters (store/sqlite, queue/sqlite, store/postgres, queue/postgres) and the backend factory: go through the Store, JobQueue and IndexIntegrity ports; a test that must damage an index uses test/helpers/sqlite-index.ts.' },
  { selector: `TemplateElement[value.raw=${SQL_ON_OUR_TABLES}]`, message: 'SQL on the index tables stays inside the SQL adapters (store/sqlite, queue/sqlite, store/postgres, queue/postgres) and the backend factory: go through the Store, JobQueue and IndexIntegrity ports; a test that must damage an index uses test/helpers/sqlite-index.ts.' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/.out/**', 'web/dist/**', '.test-cli/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Ports carry no backend (docs/architecture.md, "Ports and the backend factory"): outside the
    // SQLite adapters and the backend factory nothing imports better-sqlite3 or an adapter module, so
    // no SQLite type (Database, Statement, SqliteStore ...) can reach app/, ingest/, search/, cli/,
    // mcp/, http/ or the end-to-end tests; and the drivers of optional backends load lazily (import()).
    files: ['src/**/*.ts', 'test/**/*.ts'],
    ignores: [
      'src/store/sqlite/**',
      'src/queue/sqlite/**',
      'src/store/postgres/**',
      'src/queue/postgres/**',
      'src/cache/redis/**',
      'src/app/backend.ts',
      // the one helper that damages an index file on purpose, for the verify and recovery tests
      'test/helpers/sqlite-index.ts',
      // a child process of the SQLite queue adapter's own race tests (src/queue/sqlite/sqlite-queue.test.ts)
      'test/fixtures/queue/claim-child.ts',
    ],
    rules: {
      'no-restricted-imports': ['error', BACKEND_BOUNDARY],
      'no-restricted-syntax': ['error', DYNAMIC_ADAPTER_IMPORT, ...TABLE_NAMES],
    },
  },
  {
    // The PostgreSQL adapters see pg's types, but load the driver itself lazily (store/postgres/database.ts,
    // loadPg), so that `import ... from 'pg'` never runs for an embedded user.
    files: ['src/store/postgres/**/*.ts', 'src/queue/postgres/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'pg', allowTypeImports: true, message: 'Load pg with loadPg() (store/postgres/database.ts): only its types may be imported statically.' }] },
      ],
    },
  },
  {
    // The Redis adapter sees ioredis's types and loads the driver itself with import() (RedisState.open).
    files: ['src/cache/redis/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'ioredis', allowTypeImports: true, message: 'Load ioredis with import() (RedisState.open): only its types may be imported statically.' }] }],
    },
  },
  {
    // Documents can be flat and huge (a 150,000-line code block, 100,000 code spans in a paragraph):
    // a spread into a call puts every element on the stack and throws RangeError. Use append() (domain/arrays.ts).
    // (After the boundary block: a later no-restricted-syntax replaces an earlier one, so this one repeats its selector.)
    files: ['src/parse/**', 'src/extract/**', 'src/ingest/**'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'CallExpression > SpreadElement', message: 'A spread into a call overflows the stack on large input: use append() from domain/arrays.ts, or a loop.' },
        { selector: 'NewExpression > SpreadElement', message: 'A spread into a call overflows the stack on large input: use a loop.' },
        DYNAMIC_ADAPTER_IMPORT,
        ...TABLE_NAMES,
      ],
    },
  },
  {
    // Only the CLI, benchmarks and scripts print; everything else logs to stderr through the logger.
    files: ['src/cli/**', 'bench/**', 'scripts/**', 'bin/**'],
    rules: { 'no-console': 'off' },
  },
);
