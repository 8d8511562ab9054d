import { describe, expect, it } from 'vitest';
import { extract } from '../../test/fixtures/extract/harness.js';
import { commandLines, parseCommandLine, sqlStatements } from './commands.js';

describe('commands in shell blocks', () => {
  const doc = extract(
    'guide.md',
    [
      '# Deploying',
      '',
      'Run these:',
      '',
      '```console',
      '$ git rebase -i HEAD~3',
      'Successfully rebased and updated refs/heads/main.',
      '$ NODE_OPTIONS=--max-old-space-size=4096 node --watch app.js',
      '$ docker run -d --name web nginx | tee out.log',
      '```',
      '',
      '```bash',
      '# a comment, not a command',
      'npm install --save-dev \\',
      '  vitest',
      '```',
    ].join('\n'),
  );

  it('finds programs with their subcommands, and only on prompt lines of console blocks', () => {
    expect(doc.names('Command')).toEqual(['docker run', 'git rebase', 'node', 'npm install', 'tee']);
  });

  it('turns flags into ConfigParameters tied to their command', () => {
    const watch = doc.entity('ConfigParameter', '--watch');
    expect(watch?.attributes).toMatchObject({ kind: 'flag', command: 'node' });
    const node = doc.entity('Command', 'node')!;
    expect(doc.edgesOf('RELATED_TO', watch).some((e) => e.dst === node.id)).toBe(true);
    expect(doc.edgesOf('RELATED_TO', node).some((e) => e.dst === watch!.id)).toBe(true);
  });

  it('scopes short flags to their command and keeps long flags global', () => {
    expect(doc.names('ConfigParameter')).toEqual(
      expect.arrayContaining(['git rebase -i', 'docker run -d', '--name', '--save-dev', '--watch', 'NODE_OPTIONS']),
    );
    expect(doc.entity('ConfigParameter', 'git rebase -i')?.aliases).toEqual(['-i']);
  });

  it('does not take output, comments or file arguments for commands', () => {
    for (const name of ['Successfully', 'a', 'app.js', 'vitest', 'HEAD~3']) expect(doc.entity('Command', name)).toBeUndefined();
  });
});

describe('commandLines and parseCommandLine', () => {
  it('joins continuations and skips heredoc bodies', () => {
    const block = { lang: 'sh', start: 0, lines: ['cat <<EOF > x.conf', 'worker_processes 4;', 'EOF', 'kubectl apply \\', '  -f deploy.yaml'] };
    expect(commandLines(block)).toEqual(['cat <<EOF > x.conf', 'kubectl apply -f deploy.yaml']);
  });

  it('splits pipelines and strips prefixes, subshells and redirections', () => {
    expect(parseCommandLine('sudo FOO=1 apt-get install -y curl && cp $(command -v node) hello 2>/dev/null')).toEqual([
      { program: 'apt-get', subcommand: 'install', flags: ['-y'], env: ['FOO'] },
      { program: 'cp', subcommand: undefined, flags: [], env: [] },
    ]);
  });

  it('takes the package npx runs as the command', () => {
    expect(parseCommandLine('npx postject hello NODE_JS_CODE hello.js --sentinel-fuse X')[0]).toMatchObject({ program: 'postject', flags: ['--sentinel-fuse'] });
  });
});

describe('inline commands', () => {
  const doc = extract(
    'inline.md',
    [
      '# Tips',
      '',
      'Use `git rebase -i` to squash, `docker run -d` for daemons and `node --watch` while developing.',
      'Read `man node`. The words `run` and `const x = 1` are not commands, nor is `foo --bar`.',
    ].join('\n'),
  );

  it('recognises command lines of known programs', () => {
    expect(doc.names('Command')).toEqual(['docker run', 'git rebase', 'man', 'node']);
  });

  it('does not read code or unknown programs as commands', () => {
    expect(doc.entity('Command', 'foo')).toBeUndefined();
    expect(doc.entity('Command', 'const')).toBeUndefined();
  });
});

describe('SQL statements', () => {
  it('names statements by their leading keywords', () => {
    const names = sqlStatements('CREATE UNIQUE INDEX CONCURRENTLY i ON t (a); drop table if exists t; select 1; VACUUM', true).map((f) => f.name);
    expect(names).toEqual(['CREATE INDEX', 'DROP TABLE', 'SELECT', 'VACUUM']);
  });

  it('finds statements in SQL blocks and capitalised inline code, with the settings they set', () => {
    const doc = extract(
      'sql.md',
      [
        '# Indexes',
        '',
        'Use `CREATE INDEX CONCURRENTLY` to avoid locking. The word `SELECT` alone is not a statement.',
        '',
        '```sql',
        "SET work_mem = '64MB';",
        'alter table t add column c int;',
        '```',
      ].join('\n'),
    );
    expect(doc.names('Command')).toEqual(['ALTER TABLE', 'CREATE INDEX', 'SET']);
    expect(doc.entity('ConfigParameter', 'work_mem')?.attributes).toMatchObject({ kind: 'setting' });
  });

  it('defines a command by a heading that names it', () => {
    const doc = extract('create-index.md', '# SQL commands\n\n## CREATE INDEX\n\nCREATE INDEX constructs an index.\n');
    const e = doc.entity('Command', 'CREATE INDEX');
    expect(doc.edgesOf('DEFINES', e).map((d) => d.src)).toEqual([doc.section('CREATE INDEX').id]);
  });
});
