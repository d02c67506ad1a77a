import type { Role } from '@parley/store';

const RANK: Record<Role, number> = { viewer: 0, editor: 1, owner: 2 };

/** True when `role` grants at least what `required` does (owner ⊇ editor ⊇ viewer). */
export function hasRole(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}

/** Who is making a request, as routes and the audit log see it. */
export interface Actor {
  kind: 'user' | 'token' | 'admin-token';
  /** User id, token id, or `admin`. */
  id: string;
  role: Role;
  /** What the audit log records: `user:<email>`, `token:<name>`, `admin-token`. */
  label: string;
  email?: string;
  name?: string;
  /** Present when authenticated by a session cookie: unsafe methods then need the CSRF token. */
  session?: { idHash: string; csrfToken: string };
}
