import type { ConversationLog, RecordedMessage } from './conversationLog.js';
import { graphError, type GraphErrorReply } from './graphError.js';
import { graphErrorFromIssues } from './graphIssue.js';
import type { RateLimiter } from './rateLimiter.js';
import { markReadSchema, sendMessageSchema } from './sendMessageSchema.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** An asynchronous failure to report (as a `failed` status) for an accepted message. */
export interface AsyncFailure {
  code: number;
  details?: string;
}

/** What the Graph handler gets back for a `POST /messages`. */
export type DeskResult =
  | { ok: true; body: Record<string, unknown>; record?: RecordedMessage }
  | { ok: false; error: GraphErrorReply };

/** The send side of the simulator: validates, applies Meta's rules, records. */
export interface OutboundDesk {
  /** Handles a `POST /{phone-number-id}/messages` body (a send, or a mark-read/typing call). */
  handle(phoneNumberId: string, body: unknown, failWith?: AsyncFailure): DeskResult;
  /** Whether the simulator hosts this phone number id. */
  hosts(phoneNumberId: string): boolean;
}

/** Dependencies of {@link createOutboundDesk}. */
export interface OutboundDeskDeps {
  log: ConversationLog;
  now(): number;
  numbers: string[];
  /** Read on every send, so limits can be switched on and off while running. */
  rateLimiter(): RateLimiter | undefined;
  enforceWindow: boolean;
  unreachable: Set<string>;
  newWamid(userId: string): string;
  /** A refused request: a message send, or a read receipt (`mark_read`). */
  onRejected(code: number, request: 'send' | 'read receipt'): void;
  onAccepted(record: RecordedMessage, addressedByBsuid: boolean, failWith?: AsyncFailure): void;
  onMarkRead(target: RecordedMessage, typing: boolean): void;
}

/**
 * Creates the desk that judges each send like Graph would: body format and limits (100/131009),
 * recipient (131026), 24 h window (131047), throughput and pair limits (130429/131056).
 */
export function createOutboundDesk(deps: OutboundDeskDeps): OutboundDesk {
  const reject = (error: GraphErrorReply, request: 'send' | 'read receipt' = 'send'): DeskResult => {
    deps.onRejected(error.body.error.code, request);
    return { ok: false, error };
  };

  const markRead = (body: unknown): DeskResult => {
    const parsed = markReadSchema.safeParse(body);
    if (!parsed.success) return reject(graphErrorFromIssues(parsed.error.issues, body), 'read receipt');
    const target = deps.log.get(parsed.data.message_id);
    if (!target || target.direction !== 'user') {
      return reject(
        graphError(
          100,
          `Invalid parameter: message_id ${parsed.data.message_id} is not a message this number received.`,
        ),
        'read receipt',
      );
    }
    // Marking one message read marks the earlier ones in the thread read too.
    deps.log.markReadUpTo(target);
    const typing = parsed.data.typing_indicator !== undefined;
    if (typing) target.typing = true;
    deps.onMarkRead(target, typing);
    return { ok: true, body: { success: true } };
  };

  return {
    hosts: (phoneNumberId) => deps.numbers.includes(phoneNumberId),
    handle(phoneNumberId, rawBody, failWith) {
      if (
        rawBody &&
        typeof rawBody === 'object' &&
        (rawBody as Record<string, unknown>).status !== undefined
      ) {
        return markRead(rawBody);
      }
      // Graph treats a body without `type` as text.
      const body =
        rawBody && typeof rawBody === 'object'
          ? { type: 'text', ...(rawBody as Record<string, unknown>) }
          : rawBody;
      const parsed = sendMessageSchema.safeParse(body);
      if (!parsed.success) return reject(graphErrorFromIssues(parsed.error.issues, body));
      const message = parsed.data;

      const addressedByBsuid = message.to === undefined;
      const input = message.to ?? message.recipient ?? '';
      // Graph tolerates spaces, dashes and brackets in a phone number; the lookup uses the digits.
      const digits = input.replace(/[\s\-()]/g, '');
      if (message.to !== undefined && !/^\+?\d{7,15}$/.test(digits)) {
        return reject(
          graphError(100, `Param to must be a phone number with country code; "${message.to}" is not.`),
        );
      }
      if (deps.unreachable.has(digits.replace(/^\+/, ''))) {
        return reject(graphError(131026, `${input} is not a WhatsApp user, or cannot receive this message.`));
      }
      const isTemplate = message.type === 'template';
      let key = deps.log.resolve(addressedByBsuid ? input : digits);
      if (!key) {
        if (addressedByBsuid)
          return reject(graphError(131026, `No user has the business-scoped user id ${input}.`));
        if (!isTemplate && deps.enforceWindow) {
          return reject(
            graphError(
              131047,
              `${input} has never written to this number; only a template can start the conversation.`,
            ),
          );
        }
        key = deps.log.upsertUser({ waId: digits }).key;
      }
      const user = deps.log.user(key);
      if (
        !isTemplate &&
        deps.enforceWindow &&
        (user?.lastInboundAt === undefined || deps.now() - user.lastInboundAt > DAY_MS)
      ) {
        return reject(
          graphError(
            131047,
            'More than 24 hours have passed since the customer last replied to this number; send a template.',
          ),
        );
      }
      if (message.type === 'reaction') {
        const target = deps.log.get(message.reaction.message_id);
        if (!target || target.userId !== key) {
          return reject(
            graphError(
              131009,
              `reaction.message_id ${message.reaction.message_id} is not a message in this chat.`,
            ),
          );
        }
      }
      const verdict = deps.rateLimiter()?.check(phoneNumberId, key) ?? 'ok';
      if (verdict === 'number') {
        return reject(
          graphError(130429, `Throughput for phone number ${phoneNumberId} exceeded; slow down.`),
        );
      }
      if (verdict === 'pair') {
        return reject(
          graphError(
            131056,
            'Too many messages sent to this user in a short time; wait before sending more.',
            { subcode: 2494055 },
          ),
        );
      }

      const wamid = deps.newWamid(key);
      const record: RecordedMessage = {
        direction: 'bot',
        wamid,
        userId: key,
        phoneNumberId,
        at: deps.now(),
        type: message.type,
        payload: rawBody as Record<string, unknown>,
        status: 'accepted',
        statuses: [{ status: 'accepted', at: deps.now() }],
        ...(message.biz_opaque_callback_data !== undefined
          ? { callbackData: message.biz_opaque_callback_data }
          : {}),
      };
      deps.log.add(record);
      deps.onAccepted(record, addressedByBsuid, failWith);
      const contact: Record<string, unknown> = { input };
      if (user?.waId) contact.wa_id = user.waId;
      if (user?.bsuid && addressedByBsuid) contact.user_id = user.bsuid;
      return {
        ok: true,
        record,
        body: {
          messaging_product: 'whatsapp',
          contacts: [contact],
          messages: [isTemplate ? { id: wamid, message_status: 'accepted' } : { id: wamid }],
        },
      };
    },
  };
}
