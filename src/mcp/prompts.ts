import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

/** Prompts a user can pick in their assistant. */
export function registerPrompts(server: McpServer): void {
  server.registerPrompt(
    'answer_from_docs',
    {
      title: 'Answer from the docs, with citations',
      description: 'Answer a question using only the indexed documentation, citing each claim as uri#anchor.',
      argsSchema: { question: z.string().min(1).max(2000).describe('The question to answer.') },
    },
    ({ question }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text: [
              'Answer the question below from the indexed documentation only.',
              '',
              '1. Call search_docs with the question (and again with key identifiers or error codes from it, if the first results miss).',
              '2. Read the most relevant hits in full with get_section (use each hit\'s id); use with_context when a parent or child section may hold the answer.',
              '3. Answer concisely. After every claim, cite the section it comes from as [uri#anchor].',
              '4. If the documentation does not answer the question, say so plainly instead of guessing.',
              '',
              `Question: ${question}`,
            ].join('\n'),
          },
        },
      ],
    }),
  );
}
