import { auditRoutes } from './auditRoutes.js';
import { authRoutes } from './authRoutes.js';
import { botsRoutes } from './botsRoutes.js';
import { contactsRoutes } from './contactsRoutes.js';
import { conversationsRoutes } from './conversationsRoutes.js';
import type { ApiRoute } from './defineRoute.js';
import { flowsRoutes } from './flowsRoutes.js';
import { nodeTypesRoutes } from './nodeTypesRoutes.js';
import { previewRoutes } from './previewRoutes.js';
import { usersRoutes } from './usersRoutes.js';

/** Every /api route: the router mounts them and the OpenAPI document describes them. */
export const apiRoutes: readonly ApiRoute[] = [
  ...authRoutes,
  ...nodeTypesRoutes,
  ...flowsRoutes,
  ...botsRoutes,
  ...conversationsRoutes,
  ...contactsRoutes,
  ...usersRoutes,
  ...auditRoutes,
  ...previewRoutes,
];
