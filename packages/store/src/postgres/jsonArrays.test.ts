import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonbArray, jsonList } from './jsonArrays.js';
import { probeTestDatabase } from './postgresHarness.js';

const probe = await probeTestDatabase();
if ('skip' in probe && process.env.CI !== 'true')
  process.stderr.write(`\n⚠️  jsonArrays tests SKIPPED: ${probe.skip}\n\n`);

describe.skipIf('skip' in probe && process.env.CI !== 'true')(
  'JSON documents as one JSON array parameter',
  () => {
    let client: pg.Client;
    beforeAll(async () => {
      client = new pg.Client({ connectionString: 'url' in probe ? probe.url : '' });
      await client.connect();
    });
    afterAll(async () => {
      await client?.end();
    });

    /** What `unnest` gives for the documents, beside a text column, in order. */
    async function roundTrip(documents: readonly unknown[]) {
      const { rows } = await client.query<{ name: string; doc: unknown; missing: boolean }>(
        `SELECT name, doc, doc IS NULL AS missing
       FROM unnest($1::text[], ${jsonbArray(2)}) WITH ORDINALITY AS t(name, doc, n) ORDER BY n`,
        [documents.map((_, index) => `row ${index}`), jsonList(documents)],
      );
      return rows;
    }

    it('keeps every document, in order, with quotes, backslashes, escapes and non-Latin text intact', async () => {
      const documents = [
        {
          text: 'She said "hi" \\ then left',
          path: 'C:\\orders\\"new"',
          nested: { list: [1, 'two', { three: 3 }] },
        },
        { text: 'مرحبا 你好 🍕 \u00e9', escaped: '\\/ and \\u0041 as written', quote: '"', empty: '' },
        ...Array.from({ length: 200 }, (_, index) => ({
          index,
          body: `turn ${index} ${'x'.repeat(index % 17)}`,
        })),
      ];
      const rows = await roundTrip(documents);
      expect(rows.map((row) => row.name)).toEqual(documents.map((_, index) => `row ${index}`));
      expect(rows.map((row) => row.doc)).toEqual(documents);
    });

    it('makes a missing document SQL NULL, as an array element of null was', async () => {
      const rows = await roundTrip([{ a: 1 }, null, undefined, { b: 2 }]);
      expect(rows.map((row) => row.missing)).toEqual([false, true, true, false]);
      expect(rows.map((row) => row.doc)).toEqual([{ a: 1 }, null, null, { b: 2 }]);
    });

    it('gives an empty array, not NULL, for no documents', async () => {
      const { rows } = await client.query<{ n: number; isNull: boolean }>(
        `SELECT cardinality(${jsonbArray(1)}) AS n, ${jsonbArray(1)} IS NULL AS "isNull"`,
        [jsonList([])],
      );
      expect(rows[0]).toEqual({ n: 0, isNull: false });
      expect(await roundTrip([])).toEqual([]);
    });
  },
);
