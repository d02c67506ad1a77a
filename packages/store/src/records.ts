import { z } from 'zod';

/** A bot binds a WhatsApp phone number id (and its access token, encrypted at rest) to a flow. */
export const botRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  phoneNumberId: z.string(),
  flowId: z.string(),
  /** `latest` follows publishing; a number pins a version. */
  flowVersion: z.union([z.literal('latest'), z.number().int().positive()]).default('latest'),
  /** AES-256-GCM ciphertext (see encryption); never the token itself. */
  accessTokenEncrypted: z.string().optional(),
  /** Preview and sandbox bots are not listed to users as production bots. */
  kind: z.enum(['production', 'sandbox', 'preview']).default('production'),
  health: z
    .object({
      tokenValid: z.boolean().nullable().default(null),
      lastError: z.string().optional(),
      lastErrorAt: z.number().optional(),
    })
    .prefault({}),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type BotRecord = z.infer<typeof botRecordSchema>;

export const roleSchema = z.enum(['owner', 'editor', 'viewer']);
export type Role = z.infer<typeof roleSchema>;

export const userRecordSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string().optional(),
  role: roleSchema,
  /** scrypt$N$r$p$salt$hash */
  passwordHash: z.string(),
  createdAt: z.number(),
});
export type UserRecord = z.infer<typeof userRecordSchema>;

export const sessionRecordSchema = z.object({
  /** sha256 of the cookie value: a stolen database does not yield live sessions. */
  idHash: z.string(),
  userId: z.string(),
  csrfToken: z.string(),
  createdAt: z.number(),
  expiresAt: z.number(),
});
export type SessionRecord = z.infer<typeof sessionRecordSchema>;

export const apiTokenRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** sha256 of the token; the token is shown once. */
  hash: z.string(),
  role: roleSchema,
  createdBy: z.string().optional(),
  createdAt: z.number(),
  lastUsedAt: z.number().optional(),
});
export type ApiTokenRecord = z.infer<typeof apiTokenRecordSchema>;

export const auditEntrySchema = z.object({
  id: z.string(),
  at: z.number(),
  actor: z.string(),
  action: z.string(),
  target: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;
