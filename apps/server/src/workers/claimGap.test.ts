import { describe, expect, it } from 'vitest';
import { CLAIM_GAP_PER_INSTANCE_MS, claimGapPolicy } from './claimGap.js';

const gapOf = (policy: ReturnType<typeof claimGapPolicy>) =>
  typeof policy.claimGapMs === 'function' ? policy.claimGapMs() : policy.claimGapMs;

describe('claimGapPolicy', () => {
  it('on PostgreSQL, grows with the instances sharing the database', () => {
    const policy = claimGapPolicy('postgres', undefined);
    expect(gapOf(policy)).toBe(CLAIM_GAP_PER_INSTANCE_MS);
    policy.setInstances(3);
    expect(gapOf(policy)).toBe(3 * CLAIM_GAP_PER_INSTANCE_MS);
    policy.setInstances(1);
    expect(gapOf(policy)).toBe(CLAIM_GAP_PER_INSTANCE_MS);
    // A count is at least this instance.
    policy.setInstances(0);
    expect(gapOf(policy)).toBe(CLAIM_GAP_PER_INSTANCE_MS);
  });

  it('on lowdb claims without a gap, and a configured gap stands whatever the count', () => {
    expect(gapOf(claimGapPolicy('lowdb', undefined))).toBe(0);
    const configured = claimGapPolicy('postgres', 40);
    configured.setInstances(4);
    expect(gapOf(configured)).toBe(40);
  });
});
