import fc from 'fast-check';
import { engineEventSchema } from '@parley/flow';
import { describe, expect, it } from 'vitest';
import { inboxRecordsFromWebhook } from './inboxRecordsFromWebhook.js';
import { parseWebhook } from './parseWebhook.js';

const json = fc.jsonValue({ maxDepth: 2 });

/** Envelope-shaped JSON with arbitrary values where Meta's fields go. */
const envelopeLike = fc.record({
  object: fc.oneof(fc.constant('whatsapp_business_account'), fc.string()),
  entry: fc.array(
    fc.record({
      id: fc.oneof(fc.string(), fc.integer()),
      changes: fc.array(
        fc.record({
          field: fc.oneof(fc.constant('messages'), fc.string()),
          value: fc.oneof(
            json,
            fc.record({
              metadata: fc.record({ phone_number_id: fc.oneof(fc.string(), json) }),
              contacts: fc.array(json, { maxLength: 3 }),
              messages: fc.array(
                fc.oneof(
                  json,
                  fc.record({
                    id: fc.string(),
                    from: fc.string(),
                    timestamp: fc.oneof(fc.string(), fc.double(), fc.integer()),
                    type: fc.constantFrom(
                      'text',
                      'image',
                      'interactive',
                      'location',
                      'order',
                      'reaction',
                      'button',
                      'x',
                    ),
                    text: json,
                    image: json,
                    interactive: json,
                    location: json,
                    order: json,
                    reaction: json,
                    button: json,
                  }),
                ),
                { maxLength: 4 },
              ),
              statuses: fc.array(json, { maxLength: 3 }),
              errors: fc.array(json, { maxLength: 3 }),
            }),
          ),
        }),
        { maxLength: 3 },
      ),
    }),
    { maxLength: 2 },
  ),
});

describe('parseWebhook never throws', () => {
  it('on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const result = parseWebhook(Buffer.from(bytes));
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });

  it('on envelope-shaped JSON with arbitrary values, and every record it yields is well-formed', () => {
    fc.assert(
      fc.property(envelopeLike, (json) => {
        const result = parseWebhook(JSON.stringify(json));
        if (!result.ok) return;
        for (const item of result.events) {
          if (item.kind !== 'error') expect(engineEventSchema.safeParse(item.event).success).toBe(true);
        }
        for (const record of inboxRecordsFromWebhook(result.events, 0)) {
          expect(record.id.length).toBeGreaterThan(0);
          expect(record.conversationId).toContain(':');
        }
      }),
      { numRuns: 200 },
    );
  });
});
