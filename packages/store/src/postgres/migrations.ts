/** One versioned schema change; applied in order, each once, recorded in `parley_migrations`. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The schema, as TS constants so the server bundle carries it (esbuild bundles no .sql files).
 * Never edit a released migration: add the next one.
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'init',
    sql: `
CREATE TABLE conversations (
  id text PRIMARY KEY,
  phone_number_id text NOT NULL,
  user_id text NOT NULL,
  bot_id text NOT NULL,
  status text NOT NULL,
  revision integer NOT NULL,
  updated_at bigint NOT NULL,
  data jsonb NOT NULL
);
CREATE INDEX conversations_updated ON conversations (updated_at DESC, id);
CREATE INDEX conversations_bot ON conversations (bot_id, updated_at DESC);

CREATE TABLE contacts (
  id text PRIMARY KEY,
  -- Plain only without content encryption, for the inspector's search.
  contact_name text,
  last_seen_at bigint NOT NULL,
  data jsonb NOT NULL
);
CREATE INDEX contacts_last_seen ON contacts (last_seen_at);

CREATE TABLE inbox (
  id text PRIMARY KEY,
  conversation_id text NOT NULL,
  arrival bigserial NOT NULL,
  received_at bigint NOT NULL,
  status text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  event jsonb,
  lease_owner text,
  lease_until bigint
);
CREATE INDEX inbox_pending ON inbox (conversation_id, arrival) WHERE status = 'pending';
CREATE INDEX inbox_pending_arrival ON inbox (arrival) WHERE status = 'pending';
CREATE INDEX inbox_done_received ON inbox (received_at) WHERE status = 'done';
CREATE INDEX inbox_conversation ON inbox (conversation_id);

-- One owner per conversation at a time: what makes several instances safe.
CREATE TABLE conversation_leases (
  conversation_id text PRIMARY KEY,
  owner text NOT NULL,
  lease_until bigint NOT NULL
);
CREATE INDEX conversation_leases_owner ON conversation_leases (owner);

CREATE TABLE outbox (
  id text PRIMARY KEY,
  conversation_id text NOT NULL,
  seq integer NOT NULL,
  status text NOT NULL,
  next_attempt_at bigint NOT NULL,
  wamid text,
  lease_owner text,
  lease_until bigint,
  updated_at bigint NOT NULL,
  data jsonb NOT NULL
);
CREATE INDEX outbox_unsent ON outbox (conversation_id, seq) WHERE status IN ('pending', 'sending');
CREATE INDEX outbox_sending_lease ON outbox (lease_until) WHERE status = 'sending';
CREATE INDEX outbox_conversation ON outbox (conversation_id, seq);
CREATE INDEX outbox_wamid ON outbox (wamid) WHERE wamid IS NOT NULL;
CREATE INDEX outbox_finished ON outbox (updated_at) WHERE status NOT IN ('pending', 'sending');

CREATE TABLE transcript (
  id text PRIMARY KEY,
  conversation_id text NOT NULL,
  position bigserial NOT NULL,
  at bigint NOT NULL,
  data jsonb NOT NULL
);
CREATE INDEX transcript_conversation ON transcript (conversation_id, at, position);
CREATE INDEX transcript_at ON transcript (at);

CREATE TABLE timers (
  id text PRIMARY KEY,
  conversation_id text NOT NULL,
  due_at bigint NOT NULL,
  lease_owner text,
  lease_until bigint,
  data jsonb NOT NULL
);
CREATE INDEX timers_effective_due ON timers ((GREATEST(due_at, COALESCE(lease_until, 0))), id);
CREATE INDEX timers_conversation ON timers (conversation_id);

CREATE TABLE flow_versions (
  flow_id text NOT NULL,
  version integer NOT NULL,
  hash text NOT NULL,
  data jsonb NOT NULL,
  PRIMARY KEY (flow_id, version)
);

CREATE TABLE bots (
  id text PRIMARY KEY,
  phone_number_id text NOT NULL,
  data jsonb NOT NULL
);
CREATE INDEX bots_phone_number ON bots (phone_number_id);

CREATE TABLE users (
  id text PRIMARY KEY,
  email_lower text NOT NULL UNIQUE,
  data jsonb NOT NULL
);

CREATE TABLE sessions (
  id_hash text PRIMARY KEY,
  user_id text NOT NULL,
  expires_at bigint NOT NULL,
  data jsonb NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
  id text PRIMARY KEY,
  hash text NOT NULL UNIQUE,
  data jsonb NOT NULL
);

CREATE TABLE audit (
  position bigserial PRIMARY KEY,
  id text NOT NULL,
  at bigint NOT NULL,
  data jsonb NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'cheaper claims',
    // The sender's claim walks pending rows in due order and stops at its limit, instead of
    // reading every unsent row (with the dead index entries a busy queue leaves until vacuum).
    // An inbox claim only sets the row's lease columns, which no index covers: with room left on
    // the row's page PostgreSQL updates it in place (a HOT update) instead of adding an entry to
    // each of the table's four indexes.
    sql: `CREATE INDEX outbox_pending_due ON outbox (next_attempt_at) WHERE status = 'pending';
ALTER TABLE inbox SET (fillfactor = 70);`,
  },
];
