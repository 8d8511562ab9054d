import { createHash } from 'node:crypto';
import { z } from 'zod';
import { InvalidInputError } from '../domain/errors.js';

/**
 * Opaque paging cursors: base64url JSON that says where the next page starts.
 * A search cursor is bound to its query (by hash), so it cannot continue a
 * different search; section and outline cursors name what they continue.
 * The graph tools' cursors do the same: `mentions` (lookup_entity) and
 * `steps` (get_procedure) name the entity or procedure, `explain` and
 * `traverse` are bound to their arguments by hash.
 */
const cursorSchema = z.discriminatedUnion('k', [
  z.object({ v: z.literal(1), k: z.literal('search'), h: z.string().max(64), o: z.number().int().min(0).max(1000) }),
  z.object({ v: z.literal(1), k: z.literal('section'), id: z.string().max(100), c: z.number().int().min(0) }),
  z.object({ v: z.literal(1), k: z.literal('outline'), u: z.string().max(2000), o: z.number().int().min(0) }),
  z.object({ v: z.literal(1), k: z.literal('mentions'), id: z.string().max(100), o: z.number().int().min(0).max(1000) }),
  z.object({ v: z.literal(1), k: z.literal('explain'), h: z.string().max(64), o: z.number().int().min(0).max(1000) }),
  z.object({ v: z.literal(1), k: z.literal('steps'), id: z.string().max(100), o: z.number().int().min(0).max(1000) }),
  z.object({ v: z.literal(1), k: z.literal('traverse'), h: z.string().max(64), o: z.number().int().min(0).max(1000) }),
]);

export type Cursor = z.infer<typeof cursorSchema>;
type Kind = Cursor['k'];
type CursorOf<K extends Kind> = Omit<Extract<Cursor, { k: K }>, 'v' | 'k'>;

export function encodeCursor<K extends Kind>(kind: K, fields: CursorOf<K>): string {
  return Buffer.from(JSON.stringify({ v: 1, k: kind, ...fields })).toString('base64url');
}

/** Decodes a cursor of the expected kind; throws InvalidInputError for anything else. */
export function decodeCursor<K extends Kind>(cursor: string, kind: K, tool: string): CursorOf<K> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const result = cursorSchema.safeParse(parsed);
  if (!result.success || result.data.k !== kind) {
    throw new InvalidInputError(`the cursor is not one ${tool} returned`, {
      field: 'cursor',
      allowed: `the next_cursor string of a previous ${tool} response, unchanged; omit cursor to start from the beginning`,
    });
  }
  const { v: _v, k: _k, ...fields } = result.data;
  return fields as unknown as CursorOf<K>;
}

/** A short stable hash of the inputs a search cursor is bound to. */
export function queryHash(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 16);
}
