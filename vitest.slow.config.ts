// `npm run test:slow`: the end-to-end runs `npm test` leaves out (SLOW in vitest.config.ts), with the same settings.
import { defineConfig } from 'vitest/config';
import { shared, SLOW } from './vitest.config.js';

export default defineConfig({ test: { ...shared, include: SLOW } });
