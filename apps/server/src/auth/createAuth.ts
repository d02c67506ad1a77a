import type { IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Role, SessionRecord, Store, UserRecord } from '@parley/store';
import { LoginThrottle } from './LoginThrottle.js';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './password.js';
import type { Actor } from './roles.js';
import { randomSecret, safeEqual, sha256Hex } from './secrets.js';

/** The session cookie's name (API.md). */
export const SESSION_COOKIE = 'parley_session';
/** API tokens start with this, so a leaked one is recognisable by secret scanners. */
export const API_TOKEN_PREFIX = 'parley_pat_';

export interface AuthOptions {
  store: Store;
  /** ADMIN_TOKEN: works as an owner bearer token. */
  adminToken?: string;
  /** A session expires after this long without use. @default 12 hours */
  sessionIdleMs?: number;
  /** A session expires this long after login, used or not. @default 7 days */
  sessionMaxMs?: number;
  throttle?: LoginThrottle;
  now?: () => number;
  random?: (size: number) => Buffer;
  /** scrypt cost for new hashes (tests lower it). */
  passwordCost?: { N: number; r: number; p: number };
}

export type LoginResult =
  | { ok: true; user: UserRecord; sessionId: string; csrfToken: string; expiresAt: number }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

export type AuthenticateResult = { ok: true; actor: Actor | null } | { ok: false; reason: 'invalid_token' };

/** Login, sessions, API tokens and the admin token: who is asking, and can they prove it. */
export interface Auth {
  login(email: string, password: string, ip: string): Promise<LoginResult>;
  logout(actor: Actor): Promise<void>;
  /** Resolves the request's credentials: a bearer token first, else the session cookie; null when none. */
  authenticate(req: IncomingMessage): Promise<AuthenticateResult>;
  /** Creates an API token; the returned secret is shown once and stored only as a hash. */
  createApiToken(
    name: string,
    role: Role,
    createdBy: string,
  ): Promise<{ id: string; token: string; createdAt: number }>;
  hashPassword(password: string): Promise<string>;
  verifyPassword(password: string, stored: string): Promise<boolean>;
  readonly sessionIdleMs: number;
}

/** Parses a Cookie header into name → value (first occurrence wins). */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (name in out) continue;
    const raw = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    try {
      out[name] = decodeURIComponent(raw);
    } catch {
      out[name] = raw;
    }
  }
  return out;
}

function userActor(user: UserRecord, session?: SessionRecord): Actor {
  return {
    kind: 'user',
    id: user.id,
    role: user.role,
    label: `user:${user.email}`,
    email: user.email,
    ...(user.name ? { name: user.name } : {}),
    ...(session ? { session: { idHash: session.idHash, csrfToken: session.csrfToken } } : {}),
  };
}

/**
 * Builds the auth service over the store.
 * @example const auth = createAuth({ store, adminToken: config.adminToken });
 */
export function createAuth(options: AuthOptions): Auth {
  const { store } = options;
  const now = options.now ?? Date.now;
  const random = options.random ?? randomBytes;
  const idleMs = options.sessionIdleMs ?? 12 * 3_600_000;
  const maxMs = options.sessionMaxMs ?? 7 * 24 * 3_600_000;
  const throttle = options.throttle ?? new LoginThrottle({ now });
  const adminHash = options.adminToken ? sha256Hex(options.adminToken) : undefined;
  /** lastUsedAt is written at most once a minute per token: reads must not become writes. */
  const tokenTouchMs = 60_000;

  async function sessionActor(cookieValue: string): Promise<Actor | null> {
    const idHash = sha256Hex(cookieValue);
    const session = await store.getSession(idHash);
    const at = now();
    if (!session) return null;
    if (session.expiresAt <= at || session.createdAt + maxMs <= at) {
      await store.deleteSession(idHash);
      return null;
    }
    const user = await store.getUser(session.userId);
    if (!user) {
      await store.deleteSession(idHash);
      return null;
    }
    // Sliding expiry, written only when a noticeable part of the idle time has passed.
    if (session.expiresAt - at < idleMs - Math.min(idleMs / 10, 5 * 60_000)) {
      await store.saveSession({ ...session, expiresAt: Math.min(at + idleMs, session.createdAt + maxMs) });
    }
    return userActor(user, session);
  }

  async function bearerActor(token: string): Promise<Actor | null> {
    const hash = sha256Hex(token);
    if (adminHash && safeEqual(hash, adminHash)) {
      return { kind: 'admin-token', id: 'admin', role: 'owner', label: 'admin-token' };
    }
    const record = await store.getApiTokenByHash(hash);
    if (!record) return null;
    const at = now();
    if (!record.lastUsedAt || at - record.lastUsedAt > tokenTouchMs) {
      await store.saveApiToken({ ...record, lastUsedAt: at });
    }
    return { kind: 'token', id: record.id, role: record.role, label: `token:${record.name}` };
  }

  return {
    sessionIdleMs: idleMs,

    async login(email, password, ip) {
      const normalized = email.trim().toLowerCase();
      const gate = throttle.check(ip, normalized);
      if (!gate.allowed) return { ok: false, reason: 'throttled', retryAfterSeconds: gate.retryAfterSeconds };
      const user = await store.getUserByEmail(normalized);
      const valid = user
        ? await verifyPassword(password, user.passwordHash)
        : await verifyAgainstDummy(password);
      if (!user || !valid) {
        throttle.recordFailure(ip, normalized);
        return { ok: false, reason: 'invalid' };
      }
      throttle.recordSuccess(ip, normalized);
      // A fresh id on every login: a session id planted before login is worthless after it.
      const sessionId = randomSecret(32, random);
      const csrfToken = randomSecret(32, random);
      const at = now();
      const expiresAt = at + idleMs;
      await store.saveSession({
        idHash: sha256Hex(sessionId),
        userId: user.id,
        csrfToken,
        createdAt: at,
        expiresAt,
      });
      return { ok: true, user, sessionId, csrfToken, expiresAt };
    },

    async logout(actor) {
      if (actor.session) await store.deleteSession(actor.session.idHash);
    },

    async authenticate(req) {
      const header = req.headers.authorization;
      if (header !== undefined) {
        const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
        if (!match) return { ok: false, reason: 'invalid_token' };
        const actor = await bearerActor(match[1]!);
        return actor ? { ok: true, actor } : { ok: false, reason: 'invalid_token' };
      }
      const cookie = parseCookies(req.headers.cookie)[SESSION_COOKIE];
      if (!cookie) return { ok: true, actor: null };
      return { ok: true, actor: await sessionActor(cookie) };
    },

    async createApiToken(name, role, createdBy) {
      const token = `${API_TOKEN_PREFIX}${randomSecret(32, random)}`;
      const id = `tok_${randomSecret(9, random)}`;
      const createdAt = now();
      await store.saveApiToken({ id, name, hash: sha256Hex(token), role, createdBy, createdAt });
      return { id, token, createdAt };
    },

    hashPassword: (password) => hashPassword(password, options.passwordCost),
    verifyPassword,
  };
}
