import { describe, expect, it } from 'vitest';
import { CURRENT_SCHEMA_VERSION } from '../flowSchema.js';
import { FLOW_MIGRATIONS, migrateFlow } from './migrateFlow.js';
import type { FlowMigration } from './migrateFlow.js';

const legacy = {
  id: 'pizza',
  name: 'Pizza',
  vars: ['size', { name: 'crust', type: 'string' }],
  nodes: [
    { id: 'start', type: 'trigger', data: {} },
    { id: 'ask', type: 'ask', position: { x: 5, y: 6 }, data: {} },
  ],
  edges: [
    { source: 'start', sourcePort: 'next', target: 'ask' },
    { source: 'start', sourcePort: 'next', target: 'ask' },
    { id: 'keep', source: 'ask', sourcePort: 'yes', target: 'start', targetPort: 'in' },
  ],
};

describe('migrateFlow', () => {
  it('upgrades a version 0 file to the current version without touching the input', () => {
    const before = structuredClone(legacy);
    const result = migrateFlow(legacy);
    expect(legacy).toEqual(before);
    expect(result).toEqual({
      ok: true,
      fromVersion: 0,
      document: {
        schemaVersion: CURRENT_SCHEMA_VERSION,
        id: 'pizza',
        name: 'Pizza',
        variables: [{ name: 'size' }, { name: 'crust', type: 'string' }],
        nodes: [
          { id: 'start', type: 'trigger', position: { x: 0, y: 0 }, data: {} },
          { id: 'ask', type: 'ask', position: { x: 5, y: 6 }, data: {} },
        ],
        edges: [
          { id: 'start:next->ask', source: 'start', sourceHandle: 'next', target: 'ask' },
          { id: 'start:next->ask#2', source: 'start', sourceHandle: 'next', target: 'ask' },
          { id: 'keep', source: 'ask', sourceHandle: 'yes', target: 'start', targetHandle: 'in' },
        ],
      },
    });
  });

  it('returns a current file as it is', () => {
    const current = { schemaVersion: CURRENT_SCHEMA_VERSION, id: 'x', name: 'X', nodes: [] };
    const result = migrateFlow(current);
    expect(result).toEqual({ ok: true, fromVersion: CURRENT_SCHEMA_VERSION, document: current });
  });

  it('tolerates odd shapes and leaves them to validation', () => {
    const result = migrateFlow({ id: 'x', vars: 'oops', nodes: 'no', edges: [3, null] });
    expect(result).toMatchObject({
      ok: true,
      document: { variables: 'oops', nodes: 'no', edges: [3, null] },
    });
  });

  it('refuses newer, invalid and non-object documents with words', () => {
    expect(migrateFlow({ schemaVersion: 99 })).toEqual({
      ok: false,
      issues: [
        expect.objectContaining({
          code: 'flow.version.newer',
          path: ['schemaVersion'],
          message: `This flow uses format version 99, written by a newer Parley; this one reads up to version ${CURRENT_SCHEMA_VERSION}. Update Parley to open it.`,
        }),
      ],
    });
    expect(migrateFlow({ schemaVersion: '1' })).toMatchObject({
      ok: false,
      issues: [{ code: 'flow.version.invalid' }],
    });
    expect(migrateFlow({ schemaVersion: 1.5 })).toMatchObject({
      ok: false,
      issues: [{ code: 'flow.version.invalid' }],
    });
    expect(migrateFlow([])).toMatchObject({ ok: false, issues: [{ code: 'flow.not_object', path: [] }] });
    expect(migrateFlow(null)).toMatchObject({ ok: false, issues: [{ code: 'flow.not_object' }] });
  });

  it('runs steps in order, so a version 2 is one more entry', () => {
    const v1ToV2: FlowMigration = {
      from: 1,
      to: 2,
      description: 'rename name → title (test only)',
      migrate: ({ name, ...rest }) => ({ ...rest, title: name }),
    };
    const result = migrateFlow({ id: 'x', name: 'X', nodes: [] }, [...FLOW_MIGRATIONS, v1ToV2], 2);
    expect(result).toEqual({
      ok: true,
      fromVersion: 0,
      document: { id: 'x', title: 'X', nodes: [], schemaVersion: 2 },
    });
  });

  it('reports a missing or failing step as an issue, not an exception', () => {
    expect(migrateFlow({ schemaVersion: 1 }, FLOW_MIGRATIONS, 2)).toMatchObject({
      ok: false,
      issues: [{ code: 'flow.migration.failed' }],
    });
    const broken: FlowMigration = {
      from: 0,
      to: 1,
      description: 'throws',
      migrate: () => {
        throw new Error('bad legacy data');
      },
    };
    const result = migrateFlow({}, [broken], 1);
    expect(result).toMatchObject({ ok: false, issues: [{ code: 'flow.migration.failed' }] });
    if (!result.ok) expect(result.issues[0]?.message).toContain('bad legacy data');
  });
});
