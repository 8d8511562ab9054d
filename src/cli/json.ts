/** The CLI's JSON is the wire vocabulary REST and MCP use (api/wire.ts). */
export { jsonText, snakeCase, toWire } from '../api/wire.js';
