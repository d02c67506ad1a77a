import type { FlowDocument } from '@parley/flow';
import type { NodeManifest } from '../api/types.js';

/**
 * Node manifests shaped like `GET /api/node-types` answers, for unit tests of the store and the
 * form (the real catalogue is served by the server; these keep the tests independent of it).
 */
export const fixtureManifests: NodeManifest[] = [
  {
    type: 'start',
    version: 1,
    title: 'Start',
    category: 'Triggers',
    icon: '▶',
    description: 'Where the conversation begins.',
    trigger: true,
    waitsForInput: false,
    ports: [{ id: 'next', label: 'Next' }],
    configSchema: {
      type: 'object',
      properties: { keywords: { type: 'array', items: { type: 'string' }, default: [] } },
    },
    defaults: { keywords: [] },
  },
  {
    type: 'message',
    version: 1,
    title: 'Message',
    category: 'Messages',
    icon: '✉',
    description: 'Send a text message.',
    trigger: false,
    waitsForInput: false,
    ports: [{ id: 'next', label: 'Next' }],
    configSchema: {
      type: 'object',
      properties: {
        text: { type: 'string', minLength: 1, maxLength: 4096, title: 'Text', ui: { widget: 'template' } },
        previewUrl: { type: 'boolean', default: false, title: 'Show link preview' },
      },
      required: ['text'],
    },
    defaults: null,
  },
  {
    type: 'choice',
    version: 1,
    title: 'Choice',
    category: 'Questions',
    icon: '◉',
    description: 'Ask a question with options.',
    trigger: false,
    waitsForInput: true,
    ports: [
      { each: 'options', id: 'id', label: 'title' },
      { id: 'fallback', label: 'Anything else', kind: 'fallback' },
    ],
    configSchema: {
      type: 'object',
      properties: {
        text: { type: 'string', minLength: 1, maxLength: 1024, ui: { widget: 'template' } },
        display: { type: 'string', enum: ['auto', 'buttons', 'list', 'text'], default: 'auto' },
        options: {
          type: 'array',
          maxItems: 10,
          items: {
            type: 'object',
            properties: {
              id: { type: 'string', minLength: 1 },
              title: { type: 'string', minLength: 1, maxLength: 24 },
              description: { type: 'string', maxLength: 72 },
            },
            required: ['id', 'title'],
          },
        },
        saveAs: { type: 'string', ui: { widget: 'variable' } },
        retries: { type: 'integer', minimum: 0, maximum: 5, default: 1 },
        media: {
          oneOf: [
            {
              type: 'object',
              properties: { kind: { type: 'string', const: 'url' }, url: { type: 'string', minLength: 1 } },
              required: ['kind', 'url'],
            },
            {
              type: 'object',
              properties: {
                kind: { type: 'string', const: 'id' },
                mediaId: { type: 'string', minLength: 1 },
              },
              required: ['kind', 'mediaId'],
            },
          ],
        },
      },
      required: ['text', 'options'],
    },
    defaults: {
      text: 'Pick one',
      display: 'auto',
      options: [
        { id: 'opt-a', title: 'Yes' },
        { id: 'opt-b', title: 'No' },
      ],
      retries: 1,
    },
  },
];

/** A small flow: start → message → choice (Yes → end message). */
export function fixtureFlow(): FlowDocument {
  return {
    schemaVersion: 1,
    id: 'test-flow',
    name: 'Test flow',
    variables: [],
    settings: {
      globalKeywords: [],
      optOut: { enabled: true, stopWords: ['STOP'], startWords: ['START'] },
      coalesceMs: 0,
      inactivityTimeoutMinutes: 1440,
      versionPolicy: 'pinned',
      staleReply: 'fallback',
    },
    nodes: [
      { id: 'start', type: 'start', position: { x: 0, y: 0 }, data: { keywords: [] } },
      { id: 'hello', type: 'message', position: { x: 300, y: 0 }, data: { text: 'Hi {{name}}' } },
      {
        id: 'ask',
        type: 'choice',
        position: { x: 600, y: 0 },
        data: {
          text: 'Pick one',
          display: 'auto',
          options: [
            { id: 'yes', title: 'Yes' },
            { id: 'no', title: 'No' },
          ],
        },
      },
      { id: 'bye', type: 'message', position: { x: 900, y: 0 }, data: { text: 'Bye' } },
    ],
    edges: [
      { id: 'e1', source: 'start', sourceHandle: 'next', target: 'hello' },
      { id: 'e2', source: 'hello', sourceHandle: 'next', target: 'ask' },
      { id: 'e3', source: 'ask', sourceHandle: 'yes', target: 'bye' },
    ],
  };
}
