import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { flowIdSchema } from '@parley/flow';
import { parseKeyring } from '@parley/store';

const emptyToUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;
const optionalString = z.preprocess(emptyToUndefined, z.string().trim().optional());
const booleanFlag = (fallback: boolean) =>
  z.preprocess(
    emptyToUndefined,
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'Use true or false' })
      .optional()
      .transform((v) => (v === undefined ? fallback : v === 'true' || v === '1' || v === 'yes')),
  );
const wholeNumber = (min: number, max: number) =>
  z.coerce
    .number({ error: 'Use a whole number' })
    .int({ error: 'Use a whole number' })
    .min(min, { error: `Use a number from ${min} to ${max}` })
    .max(max, { error: `Use a number from ${min} to ${max}` });
const integer = (fallback: number, min: number, max: number) =>
  z.preprocess(emptyToUndefined, wholeNumber(min, max).default(fallback));
const commaList = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
);
const httpUrl = z.preprocess(
  emptyToUndefined,
  z
    .url({ protocol: /^https?$/, error: 'Use a full http:// or https:// address' })
    .optional()
    .transform((v) => v?.replace(/\/+$/, '')),
);

/** One 32-byte key (base64 or hex), or a keyring `id:key,id:key` (the first encrypts, all decrypt). */
const encryptionKey = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .optional()
    .refine((v) => v === undefined || isKeyring(v), {
      error:
        'Use 32 random bytes written as base64 or hex (for example: openssl rand -base64 32), or a keyring id:key,id:key',
    }),
);

function isKeyring(value: string): boolean {
  try {
    parseKeyring(value);
    return true;
  } catch {
    return false;
  }
}

/** Every environment variable Parley reads, validated at start. Names are the variables' own. */
export const envSchema = z.object({
  NODE_ENV: z.preprocess(
    emptyToUndefined,
    z.enum(['development', 'production', 'test']).default('development'),
  ),
  PORT: integer(3000, 0, 65535),
  HOST: z.preprocess(emptyToUndefined, z.string().default('127.0.0.1')),
  /** The address people use to reach the server (behind a proxy); used for the CSRF origin check and Secure cookies. */
  PUBLIC_URL: httpUrl,
  /** Trust X-Forwarded-* from this many proxy hops (0 = none). */
  TRUST_PROXY: integer(0, 0, 10),
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./data')),
  FLOWS_DIR: z.preprocess(emptyToUndefined, z.string().default('./flows')),
  DATABASE_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, { error: 'Use a postgres:// connection address' })
      .optional(),
  ),
  WHATSAPP_ACCESS_TOKEN: optionalString,
  WHATSAPP_PHONE_NUMBER_ID: z.preprocess(
    emptyToUndefined,
    z.string().regex(/^\d+$/, { error: 'Use the numeric phone number id from Meta' }).optional(),
  ),
  WHATSAPP_APP_SECRET: optionalString,
  WHATSAPP_VERIFY_TOKEN: optionalString,
  BOT_FLOW: z.preprocess(emptyToUndefined, flowIdSchema.default('welcome')),
  GRAPH_API_BASE_URL: z.preprocess(
    emptyToUndefined,
    z
      .url({ protocol: /^https?$/, error: 'Use a full http:// or https:// address' })
      .default('https://graph.facebook.com')
      .transform((v) => v.replace(/\/+$/, '')),
  ),
  GRAPH_API_VERSION: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^v\d+\.\d+$/, { error: 'Use a version like v25.0' })
      .default('v25.0'),
  ),
  ADMIN_TOKEN: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .min(24, { error: 'Use at least 24 random characters (for example: openssl rand -hex 24)' })
      .optional(),
  ),
  DATA_ENCRYPTION_KEY: encryptionKey,
  RETENTION_DAYS: integer(30, 1, 3650),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  PARLEY_NODES: commaList,
  PARLEY_OWNER_EMAIL: z.preprocess(
    emptyToUndefined,
    z.email({ error: 'Use an email address' }).default('owner@parley.local'),
  ),
  HTTP_ALLOW_PRIVATE: booleanFlag(false),
  HTTP_ALLOW_HOSTS: commaList,
  OUTBOX_RATE_PER_SECOND: integer(80, 1, 1000),
  OUTBOX_AMBIGUOUS_GRACE_SECONDS: integer(60, 1, 3600),
  CLAIM_GAP_MS: z.preprocess(emptyToUndefined, wholeNumber(0, 1000).optional()),
  GRAPH_SEND_THREAD: booleanFlag(true),
  SANDBOX_PHONE_NUMBER_ID: z.preprocess(
    emptyToUndefined,
    z.string().regex(/^\d+$/, { error: 'Use digits only' }).default('100000000000001'),
  ),
  FORWARD_WEBHOOK_URL: httpUrl,
  FORWARD_WEBHOOK_SECRET: optionalString,
  LOGIN_MAX_FAILURES: integer(5, 1, 1000),
  LOGIN_WINDOW_MINUTES: integer(15, 1, 24 * 60),
  SESSION_IDLE_HOURS: integer(12, 1, 24 * 90),
});
export type Env = z.output<typeof envSchema>;

/** The validated configuration the server runs with. */
export interface Config {
  env: Env['NODE_ENV'];
  isProduction: boolean;
  port: number;
  host: string;
  publicUrl: string | undefined;
  trustProxy: number;
  dataDir: string;
  flowsDir: string;
  databaseUrl: string | undefined;
  /** True when no WhatsApp access token is set: the built-in simulator stands in for Meta. */
  sandbox: boolean;
  whatsapp: {
    accessToken: string | undefined;
    phoneNumberId: string;
    /** Generated per start in sandbox mode (the in-process simulator signs with it). */
    appSecret: string;
    verifyToken: string;
    graphApiBaseUrl: string;
    graphApiVersion: string;
  };
  botFlow: string;
  adminToken: string | undefined;
  /** DATA_ENCRYPTION_KEY as given (validated): pass it to the store's `createStore({ encryptionKey })`. */
  dataEncryptionKey: string | undefined;
  retentionDays: number;
  logLevel: Env['LOG_LEVEL'];
  customNodes: string[];
  http: { allowPrivate: boolean; allowHosts: string[] };
  outboxRatePerSecond: number;
  /** How long a send whose outcome is unknown (a crash or a dropped connection after the request left) waits for its status webhook before it is sent again. */
  outboxAmbiguousGraceMs: number;
  /** Least time between two claims of the inbox and of the outbox; unset: the store's default. */
  claimGapMs: number | undefined;
  /** Graph API requests (sends, read receipts, media) on a worker thread instead of the event loop. */
  graphSendThread: boolean;
  forwardWebhook: { url: string; secret: string | undefined } | undefined;
  ownerEmail: string;
  login: { maxFailures: number; windowMs: number };
  sessionIdleMs: number;
}

export type LoadConfigResult =
  { ok: true; config: Config; warnings: string[] } | { ok: false; message: string };

export interface LoadConfigOptions {
  /** A `.env` file to read; its values never override real environment variables. @default '.env' in cwd */
  dotenvPath?: string | false;
  /** Random bytes for the sandbox's generated secrets (injectable for tests). */
  randomBytes?: (size: number) => Buffer;
}

/**
 * Reads and validates the configuration; a wrong value gives a message naming each bad variable.
 * @example const result = loadConfig(process.env); if (!result.ok) { print(result.message); exit(1) }
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  options: LoadConfigOptions = {},
): LoadConfigResult {
  const fileValues = readDotenv(options.dotenvPath);
  if (fileValues.error) return { ok: false, message: fileValues.error };
  const merged: Record<string, string | undefined> = { ...fileValues.values };
  for (const [key, value] of Object.entries(env)) if (value !== undefined) merged[key] = value;

  const parsed = envSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const shown = describeValue(name, merged[name]);
      return `  ${name}${shown}: ${issue.message}`;
    });
    return { ok: false, message: `Parley cannot start: fix these settings.\n${lines.join('\n')}` };
  }
  const e = parsed.data;
  const problems: string[] = [];
  const warnings: string[] = [];
  const sandbox = e.WHATSAPP_ACCESS_TOKEN === undefined;
  const isProduction = e.NODE_ENV === 'production';
  const random = options.randomBytes ?? randomBytes;

  if (!sandbox) {
    if (!e.WHATSAPP_APP_SECRET)
      problems.push(
        '  WHATSAPP_APP_SECRET: required with WHATSAPP_ACCESS_TOKEN, to check that webhooks come from Meta',
      );
    if (!e.WHATSAPP_VERIFY_TOKEN)
      problems.push(
        "  WHATSAPP_VERIFY_TOKEN: required with WHATSAPP_ACCESS_TOKEN, for Meta's webhook handshake",
      );
  }
  if (isProduction) {
    if (!e.WHATSAPP_APP_SECRET) problems.push('  WHATSAPP_APP_SECRET: required when NODE_ENV=production');
    if (!e.ADMIN_TOKEN) problems.push('  ADMIN_TOKEN: required when NODE_ENV=production');
    if (!e.DATA_ENCRYPTION_KEY)
      warnings.push(
        'DATA_ENCRYPTION_KEY is not set: access tokens are encrypted with a key file in DATA_DIR and message content is stored unencrypted.',
      );
  }
  if (e.FORWARD_WEBHOOK_URL && !e.FORWARD_WEBHOOK_SECRET)
    problems.push('  FORWARD_WEBHOOK_SECRET: required with FORWARD_WEBHOOK_URL, to sign forwarded webhooks');
  if (problems.length > 0)
    return { ok: false, message: `Parley cannot start: fix these settings.\n${problems.join('\n')}` };

  const config: Config = {
    env: e.NODE_ENV,
    isProduction,
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL,
    trustProxy: e.TRUST_PROXY,
    dataDir: path.resolve(e.DATA_DIR),
    flowsDir: path.resolve(e.FLOWS_DIR),
    databaseUrl: e.DATABASE_URL,
    sandbox,
    whatsapp: {
      accessToken: e.WHATSAPP_ACCESS_TOKEN,
      phoneNumberId: e.WHATSAPP_PHONE_NUMBER_ID ?? e.SANDBOX_PHONE_NUMBER_ID,
      appSecret: e.WHATSAPP_APP_SECRET ?? random(32).toString('hex'),
      verifyToken: e.WHATSAPP_VERIFY_TOKEN ?? random(16).toString('hex'),
      graphApiBaseUrl: e.GRAPH_API_BASE_URL,
      graphApiVersion: e.GRAPH_API_VERSION,
    },
    botFlow: e.BOT_FLOW,
    adminToken: e.ADMIN_TOKEN,
    dataEncryptionKey: e.DATA_ENCRYPTION_KEY,
    retentionDays: e.RETENTION_DAYS,
    logLevel: e.LOG_LEVEL,
    customNodes: e.PARLEY_NODES,
    http: { allowPrivate: e.HTTP_ALLOW_PRIVATE, allowHosts: e.HTTP_ALLOW_HOSTS },
    outboxRatePerSecond: e.OUTBOX_RATE_PER_SECOND,
    outboxAmbiguousGraceMs: e.OUTBOX_AMBIGUOUS_GRACE_SECONDS * 1000,
    claimGapMs: e.CLAIM_GAP_MS,
    graphSendThread: e.GRAPH_SEND_THREAD,
    forwardWebhook: e.FORWARD_WEBHOOK_URL
      ? { url: e.FORWARD_WEBHOOK_URL, secret: e.FORWARD_WEBHOOK_SECRET }
      : undefined,
    ownerEmail: e.PARLEY_OWNER_EMAIL.toLowerCase(),
    login: { maxFailures: e.LOGIN_MAX_FAILURES, windowMs: e.LOGIN_WINDOW_MINUTES * 60_000 },
    sessionIdleMs: e.SESSION_IDLE_HOURS * 3_600_000,
  };
  return { ok: true, config, warnings };
}

const SECRET_NAMES = /TOKEN|SECRET|KEY|PASSWORD|DATABASE_URL/;

/** Shows the offending value unless it is a secret: a message must never leak one. */
function describeValue(name: string, value: string | undefined): string {
  if (value === undefined || SECRET_NAMES.test(name)) return '';
  const short = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return ` (is "${short}")`;
}

function readDotenv(dotenvPath: string | false | undefined): {
  values: Record<string, string>;
  error?: string;
} {
  if (dotenvPath === false) return { values: {} };
  const file = path.resolve(dotenvPath ?? '.env');
  if (!existsSync(file)) return { values: {} };
  try {
    return { values: parseDotenv(readFileSync(file)) };
  } catch (error) {
    return { values: {}, error: `Parley cannot read ${file}: ${(error as Error).message}` };
  }
}
