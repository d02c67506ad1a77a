/** A delivery status the simulator reported for a bot message. */
export type SimulatedStatus = 'accepted' | 'sent' | 'delivered' | 'read' | 'failed';

/** One message recorded by the simulator, in either direction. */
export interface RecordedMessage {
  direction: 'user' | 'bot';
  wamid: string;
  /** The user's key in the simulator: their BSUID when they have one, else their wa_id. */
  userId: string;
  phoneNumberId: string;
  /** Epoch ms from the simulator's clock. */
  at: number;
  /** WhatsApp `type` (`text`, `interactive`, `template`, ...). */
  type: string;
  /** For the bot: the Graph send body as received. For the user: the webhook message object. */
  payload: Record<string, unknown>;
  /** Bot messages: the latest status reported, and every status with its time. */
  status?: SimulatedStatus;
  statuses?: Array<{ status: SimulatedStatus; at: number }>;
  callbackData?: string;
  /** User messages: whether the bot marked it read, and whether it showed the typing indicator. */
  markedRead?: boolean;
  typing?: boolean;
}

/** A simulated WhatsApp user. */
export interface SimulatedUser {
  waId?: string;
  bsuid?: string;
  name?: string;
  lastInboundAt?: number;
}

interface Waiter {
  count: number;
  resolve: (messages: RecordedMessage[]) => void;
}

/**
 * Users and messages, indexed by wa_id and BSUID (the bot may address either), with a read
 * cursor per user so `waitForReplies` hands out each bot message once.
 */
export class ConversationLog {
  private readonly users = new Map<string, SimulatedUser>();
  private readonly aliases = new Map<string, string>();
  private readonly messages = new Map<string, RecordedMessage[]>();
  private readonly byWamid = new Map<string, RecordedMessage>();
  private readonly cursors = new Map<string, number>();
  /** Waiters per user key, oldest first (a bot message only ever settles its own user's). */
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly maxPerUser: number;

  constructor(options: { maxMessagesPerUser?: number } = {}) {
    this.maxPerUser = options.maxMessagesPerUser ?? 10_000;
  }

  /** Registers (or updates) a user and returns their key. */
  upsertUser(user: { waId?: string; bsuid?: string; name?: string }): { key: string; user: SimulatedUser } {
    const waId = user.waId?.replace(/^\+/, '');
    const existingKey =
      (user.bsuid && this.aliases.get(user.bsuid)) || (waId && this.aliases.get(waId)) || undefined;
    const key = existingKey ?? user.bsuid ?? waId;
    if (!key) throw new Error('A simulated user needs a waId or a bsuid.');
    const record = this.users.get(key) ?? {};
    if (waId) record.waId = waId;
    if (user.bsuid) record.bsuid = user.bsuid;
    if (user.name !== undefined) record.name = user.name;
    this.users.set(key, record);
    for (const alias of [waId, user.bsuid, key]) if (alias) this.aliases.set(alias, key);
    return { key, user: record };
  }

  /** The user key for any id the bot or a test uses (`+1555...`, `1555...`, a BSUID). */
  resolve(id: string): string | undefined {
    return this.aliases.get(id) ?? this.aliases.get(id.replace(/^\+/, ''));
  }

  user(key: string): SimulatedUser | undefined {
    return this.users.get(key);
  }

  add(message: RecordedMessage): void {
    const list = this.messages.get(message.userId) ?? [];
    list.push(message);
    // Bounded so a long soak does not grow without limit; the oldest go first.
    if (list.length > this.maxPerUser) {
      const dropped = list.splice(0, list.length - this.maxPerUser);
      for (const old of dropped) this.byWamid.delete(old.wamid);
      const cursor = this.cursors.get(message.userId);
      if (cursor !== undefined) this.cursors.set(message.userId, Math.max(0, cursor - dropped.length));
    }
    this.messages.set(message.userId, list);
    this.byWamid.set(message.wamid, message);
    if (message.direction === 'bot') this.settleWaiters(message.userId);
  }

  get(wamid: string): RecordedMessage | undefined {
    return this.byWamid.get(wamid);
  }

  /** Marks a user message and every earlier one from that user read (stops at the first already read). */
  markReadUpTo(target: RecordedMessage): void {
    const list = this.messages.get(target.userId) ?? [];
    for (let i = list.length - 1; i >= 0; i--) {
      const m = list[i];
      if (!m || m.direction !== 'user' || m.at > target.at) continue;
      if (m.markedRead && m !== target) break;
      m.markedRead = true;
    }
  }

  list(key: string): RecordedMessage[] {
    return [...(this.messages.get(key) ?? [])];
  }

  /** The latest bot message for a user that satisfies `predicate`. */
  lastBotMessage(
    key: string,
    predicate: (m: RecordedMessage) => boolean = () => true,
  ): RecordedMessage | undefined {
    const list = this.messages.get(key) ?? [];
    for (let i = list.length - 1; i >= 0; i--) {
      const m = list[i];
      if (m && m.direction === 'bot' && predicate(m)) return m;
    }
    return undefined;
  }

  /** Calls back with the next `count` unseen bot messages for the user, advancing the cursor; returns a cancel function. */
  waitForBot(key: string, count: number, callback: (messages: RecordedMessage[]) => void): () => void {
    const waiter: Waiter = { count, resolve: callback };
    const queue = this.waiters.get(key);
    if (queue) queue.push(waiter);
    else this.waiters.set(key, [waiter]);
    this.settleWaiters(key);
    return () => {
      const left = this.waiters.get(key)?.filter((w) => w !== waiter);
      if (left?.length) this.waiters.set(key, left);
      else this.waiters.delete(key);
    };
  }

  /** Unseen bot messages so far (for a timeout's message); does not advance the cursor. */
  unseenBot(key: string): RecordedMessage[] {
    const list = this.messages.get(key) ?? [];
    return list.slice(this.cursors.get(key) ?? 0).filter((m) => m.direction === 'bot');
  }

  userCount(): number {
    return this.users.size;
  }

  private settleWaiters(key: string): void {
    const queue = this.waiters.get(key);
    while (queue?.length) {
      const waiter = queue[0]!;
      const list = this.messages.get(key) ?? [];
      const start = this.cursors.get(key) ?? 0;
      const taken: RecordedMessage[] = [];
      let index = start;
      for (; index < list.length && taken.length < waiter.count; index++) {
        const m = list[index];
        if (m?.direction === 'bot') taken.push(m);
      }
      if (taken.length < waiter.count) return;
      this.cursors.set(key, index);
      queue.shift();
      if (queue.length === 0) this.waiters.delete(key);
      waiter.resolve(taken);
    }
  }
}
