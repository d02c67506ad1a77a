import { describe, expect, it } from 'vitest';
import { furthestStatus, mergeDeliveryStatus } from './mergeDeliveryStatus.js';

describe('mergeDeliveryStatus', () => {
  it('moves forward only', () => {
    expect(mergeDeliveryStatus('sent', 'delivered')).toEqual({ action: 'advance', status: 'delivered' });
    expect(mergeDeliveryStatus('sent', 'read')).toEqual({ action: 'advance', status: 'read' });
    expect(mergeDeliveryStatus('read', 'played')).toEqual({ action: 'advance', status: 'played' });
    expect(mergeDeliveryStatus('read', 'delivered')).toEqual({ action: 'keep' });
    expect(mergeDeliveryStatus('delivered', 'sent')).toEqual({ action: 'keep' });
    expect(mergeDeliveryStatus('read', 'read')).toEqual({ action: 'keep' });
  });

  it('reconciles a row whose send response was lost', () => {
    expect(mergeDeliveryStatus('sending', 'sent')).toEqual({ action: 'advance', status: 'sent' });
    expect(mergeDeliveryStatus('pending', 'delivered')).toEqual({ action: 'advance', status: 'delivered' });
  });

  it('failed counts only before delivery and is terminal', () => {
    expect(mergeDeliveryStatus('sent', 'failed')).toEqual({ action: 'fail' });
    expect(mergeDeliveryStatus('sending', 'failed')).toEqual({ action: 'fail' });
    expect(mergeDeliveryStatus('delivered', 'failed')).toEqual({ action: 'keep' });
    expect(mergeDeliveryStatus('failed', 'read')).toEqual({ action: 'keep' });
  });

  it('furthestStatus keeps what a webhook already recorded', () => {
    expect(furthestStatus('delivered', 'sent')).toBe('delivered');
    expect(furthestStatus('sending', 'sent')).toBe('sent');
    expect(furthestStatus('failed', 'sent')).toBe('failed');
  });
});
