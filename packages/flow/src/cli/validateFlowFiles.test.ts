import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCatalog } from '../lint/testCatalog.js';
import { formatFlowReports, validateFlowFile, validateFlowFolder } from './validateFlowFiles.js';

let dir: string;
const good = {
  schemaVersion: 1,
  id: 'good',
  name: 'Good',
  nodes: [
    { id: 'start', type: 'start', position: { x: 0, y: 0 } },
    { id: 'bye', type: 'end', position: { x: 0, y: 100 } },
  ],
  edges: [{ id: 'e1', source: 'start', sourceHandle: 'next', target: 'bye' }],
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-flow-validate-'));
  await writeFile(join(dir, 'good.json'), JSON.stringify(good));
  const { schemaVersion: _v, edges: _e, ...legacy } = good;
  await writeFile(
    join(dir, 'legacy.json'),
    JSON.stringify({
      ...legacy,
      id: 'legacy',
      edges: [{ source: 'start', sourcePort: 'next', target: 'bye' }],
    }),
  );
  await writeFile(join(dir, 'broken.json'), '{ "id": "broken", }');
  await writeFile(join(dir, 'misnamed.json'), JSON.stringify({ ...good, edges: [] }));
  await writeFile(join(dir, 'notes.txt'), 'not a flow');
  await writeFile(join(dir, 'good.test.json'), '{ "transcripts": [] }');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('validateFlowFolder', () => {
  it('checks every flow file and reports each problem on one line', async () => {
    const reports = await validateFlowFolder(dir, testCatalog);
    expect(
      reports.map((r) => [
        r.file.split('/').at(-1),
        r.errors.map((i) => i.code),
        r.warnings.map((i) => i.code),
      ]),
    ).toEqual([
      ['broken.json', ['json.syntax'], []],
      ['good.json', [], []],
      ['legacy.json', [], []],
      ['misnamed.json', ['flow.file_name'], ['port.unconnected', 'node.unreachable']],
    ]);
    expect(reports[2]?.migratedFrom).toBe(0);
    const { lines, ok, errors, warnings } = formatFlowReports(reports);
    expect(ok).toBe(false);
    expect([errors, warnings]).toEqual([2, 2]);
    expect(lines[0]).toBe(
      `${join(dir, 'broken.json')} (line 1, column 19): The file is not valid JSON at line 1, column 19: remove the comma before "}"`,
    );
    expect(lines).toContain(
      `${join(dir, 'misnamed.json')} (id): The file is named "misnamed.json" but the flow's id is "good"; name the file "good.json".`,
    );
    expect(lines.at(-1)).toBe('4 flow files checked: 2 errors, 2 warnings.');
  });

  it('reports an unreadable file instead of throwing', async () => {
    const report = await validateFlowFile(join(dir, 'missing.json'), testCatalog);
    expect(report.errors[0]?.message).toMatch(/^The file cannot be read: ENOENT/);
    expect(formatFlowReports([]).ok).toBe(true);
  });
});
