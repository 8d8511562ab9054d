import { z } from 'zod';
import { configSchema } from './config.js';

interface JsonSchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchemaNode>;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  format?: string;
}

export interface ConfigKey {
  key: string;
  type: string;
  default: string;
  description: string;
}

/** Every leaf key of the configuration schema, with its type, default and description. */
export function configKeys(): ConfigKey[] {
  const root = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const out: ConfigKey[] = [];
  const walk = (node: JsonSchemaNode, prefix: string): void => {
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      const key = prefix ? `${prefix}.${name}` : name;
      if (child.properties) {
        walk(child, key);
        continue;
      }
      let type = child.enum ? child.enum.map((v) => JSON.stringify(v)).join(' \\| ') : String(child.type ?? 'any');
      if (child.format) type += ` (${child.format})`;
      const max = child.maximum !== undefined && child.maximum < Number.MAX_SAFE_INTEGER ? child.maximum : undefined;
      const min = child.minimum ?? (child.exclusiveMinimum !== undefined ? child.exclusiveMinimum + 1 : undefined);
      if (min !== undefined && max !== undefined) type += ` ${min}–${max}`;
      else if (min !== undefined) type += ` ≥ ${min}`;
      out.push({ key, type, default: child.default === undefined ? '—' : '`' + JSON.stringify(child.default) + '`', description: child.description ?? '' });
    }
  };
  walk(root, '');
  return out;
}

/** The Markdown table in docs/configuration.md (kept in sync by a test). */
export function configTable(): string {
  const rows = configKeys().map((k) => `| \`${k.key}\` | ${k.type} | ${k.default} | ${k.description} |`);
  return ['| key | type | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
