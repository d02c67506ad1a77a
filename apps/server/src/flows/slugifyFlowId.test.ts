import { describe, expect, it } from 'vitest';
import { flowIdSchema } from '@parley/flow';
import { slugifyFlowId } from './slugifyFlowId.js';

describe('slugifyFlowId', () => {
  it.each([
    ['Pizza Order (v2)', 'pizza-order-v2'],
    ['  Crème brûlée  ', 'creme-brulee'],
    ['../../etc/passwd', 'etc-passwd'],
    ['😀', 'flow'],
    ['a'.repeat(100), 'a'.repeat(56)],
  ])('%s → %s', (name, id) => {
    expect(slugifyFlowId(name)).toBe(id);
    expect(flowIdSchema.safeParse(slugifyFlowId(name)).success).toBe(true);
  });
});
