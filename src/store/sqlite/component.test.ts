import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { componentOpener, type SqliteComponent } from './component.js';

const widgets = (migrations: SqliteComponent['migrations']): SqliteComponent => ({ meta: 'widgets_meta', what: 'the widgets', schema: 'widgets', migrations });
const V1 = { version: 1, name: 'widgets', sql: 'CREATE TABLE widgets (id INTEGER PRIMARY KEY, name TEXT NOT NULL);' };
const V2 = { version: 2, name: 'widget colour', sql: "ALTER TABLE widgets ADD COLUMN colour TEXT NOT NULL DEFAULT 'red';" };

let dir: string;
let open: Database.Database[];
const db = (): Database.Database => {
  const d = new Database(join(dir, 'index.db'));
  d.pragma('busy_timeout = 5000');
  open.push(d);
  return d;
};
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dg-component-'));
  open = [];
});
afterEach(() => {
  for (const d of open) d.close();
  rmSync(dir, { recursive: true, force: true });
});

it('creates the tables on first use, once for two connections, and records the version', () => {
  const one = db();
  const two = db();
  const a = componentOpener(() => one, widgets([V1]));
  const b = componentOpener(() => two, widgets([V1]));
  a().prepare("INSERT INTO widgets (name) VALUES ('a')").run();
  b().prepare("INSERT INTO widgets (name) VALUES ('b')").run();
  expect(one.prepare('SELECT name FROM widgets ORDER BY id').all()).toEqual([{ name: 'a' }, { name: 'b' }]);
  expect(one.prepare("SELECT value FROM widgets_meta WHERE key = 'schema_version'").get()).toEqual({ value: '1' });
});

it('applies only the newer migrations to a file at an older version, keeping its rows', () => {
  componentOpener(db, widgets([V1]))().prepare("INSERT INTO widgets (name) VALUES ('a')").run();
  const conn = componentOpener(db, widgets([V1, V2]))();
  expect(conn.prepare('SELECT name, colour FROM widgets').all()).toEqual([{ name: 'a', colour: 'red' }]);
  expect(conn.prepare("SELECT value FROM widgets_meta WHERE key = 'schema_version'").get()).toEqual({ value: '2' });
});

it('refuses a file written by a newer docgraph, saying which tables and to upgrade', () => {
  componentOpener(db, widgets([V1, V2]))();
  expect(() => componentOpener(db, widgets([V1]))()).toThrow('the widgets were written by a newer docgraph (widgets schema 2, this build knows 1); upgrade docgraph');
});
