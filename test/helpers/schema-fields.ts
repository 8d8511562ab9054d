/**
 * A JSON Schema as the contract it states, one line per field: where it is,
 * its type and its constraints, and whether it is required; descriptions and
 * zod's ±2^53 integer bounds (which constrain nothing real) left out. Two
 * schemas with the same lines accept the same values.
 */
type Schema = { [key: string]: unknown };

const SAFE = Number.MAX_SAFE_INTEGER;
const CONSTRAINTS = ['minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'pattern', 'format', 'const'];

export function schemaFields(schema: Schema, at: string, required = true): string[] {
  const out: string[] = [];
  const parts: string[] = [];
  if (schema.type !== undefined) parts.push(Array.isArray(schema.type) ? (schema.type as string[]).join('|') : String(schema.type));
  if (Array.isArray(schema.enum)) parts.push(`enum(${(schema.enum as unknown[]).join(',')})`);
  for (const k of CONSTRAINTS) {
    const v = schema[k];
    if (v === undefined || ((k === 'minimum' || k === 'maximum') && Math.abs(v as number) === SAFE)) continue;
    parts.push(`${k}=${String(v)}`);
  }
  if (schema.additionalProperties === false) parts.push('closed');
  else if (schema.additionalProperties !== undefined) parts.push(`additional(${schemaFields(schema.additionalProperties as Schema, '').join(';').trim()})`);
  if (Array.isArray(schema.anyOf)) parts.push(`anyOf(${(schema.anyOf as Schema[]).map((s) => schemaFields(s, '').join(';').trim()).join(' / ')})`);
  if (!required) parts.push('optional');
  out.push(`${at} ${parts.join(' ')}`);
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  const req = new Set((schema.required ?? []) as string[]);
  for (const name of Object.keys(props).sort()) out.push(...schemaFields(props[name]!, `${at}.${name}`, req.has(name)));
  if (schema.items !== undefined) out.push(...schemaFields(schema.items as Schema, `${at}[]`));
  return out;
}
