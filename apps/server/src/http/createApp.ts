import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Store } from '@parley/store';
import { apiRoutes } from '../api/apiRoutes.js';
import type { ApiDeps } from '../api/ApiDeps.js';
import { createApiRouter } from '../api/createApiRouter.js';
import { buildOpenApi } from '../api/openapi.js';
import type { Auth } from '../auth/createAuth.js';
import type { Config } from '../config/loadConfig.js';
import type { FlowRepository } from '../flows/FlowRepository.js';
import type { ParleyMetrics } from '../metrics/createParleyMetrics.js';
import { apiNotFound, createErrorHandler } from './errorHandler.js';
import { requestContext } from './requestContext.js';
import { securityHeaders } from './securityHeaders.js';
import type { ConversationCommands, NodeRegistryLike, PreviewService, SecretCipher } from './services.js';
import { friendlyNotBuiltPage } from './friendlyNotBuiltPage.js';

export interface AppDeps {
  config: Config;
  store: Store;
  registry: NodeRegistryLike;
  flows: FlowRepository;
  log: Logger;
  metrics: ParleyMetrics;
  auth: Auth;
  conversationCommands: ConversationCommands;
  /** Seals bots' access tokens (the store's `createCipher`). */
  cipher: SecretCipher;
  preview?: PreviewService;
  /** Meta's webhook (signature over the raw body): mounted before any body parser. */
  webhookHandler?: RequestHandler;
  /** The built editor (apps/builder/dist); a friendly page explains how to build it when absent. */
  builderDir?: string;
  /** Workers running (the store is checked here too). */
  isReady(): Promise<boolean>;
  now?: () => number;
  /** The version shown in the OpenAPI document. */
  version?: string;
}

/**
 * The Express app: /webhook (raw), /healthz, /readyz, /metrics, /api (JSON, zod-validated,
 * authenticated), and the builder with SPA fallback. One error handler turns errors into JSON.
 * @example const app = createApp(deps); app.listen(config.port, config.host);
 */
export function createApp(deps: AppDeps): Express {
  const { config, log, metrics } = deps;
  const now = deps.now ?? Date.now;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (config.trustProxy > 0) app.set('trust proxy', config.trustProxy);
  app.use(requestContext(log, metrics));
  app.use(securityHeaders({ https: config.publicUrl?.startsWith('https://') ?? false }));

  // Before any body parser: the signature is computed over the exact bytes Meta sent.
  if (deps.webhookHandler) app.all('/webhook', deps.webhookHandler);

  app.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const [store, workers] = await Promise.all([
      deps.store.ping().catch(() => false),
      deps.isReady().catch(() => false),
    ]);
    res.setHeader('Cache-Control', 'no-store');
    res
      .status(store && workers ? 200 : 503)
      .json({ status: store && workers ? 'ready' : 'not_ready', checks: { store, workers } });
  });
  app.get('/metrics', async (req, res) => {
    try {
      metrics.outboxQueueDepth.set(await deps.store.countPendingOutbox());
    } catch (error) {
      req.log.warn({ err: error }, 'could not read the outbox depth');
    }
    res.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.send(await metrics.registry.render());
  });

  const apiDeps: ApiDeps = {
    config,
    store: deps.store,
    registry: deps.registry,
    flows: deps.flows,
    log,
    metrics,
    auth: deps.auth,
    conversationCommands: deps.conversationCommands,
    cipher: deps.cipher,
    now,
    ...(deps.preview ? { preview: deps.preview } : {}),
  };
  const openapi = buildOpenApi(apiRoutes, { version: deps.version ?? '0.1.0' });
  const api = express.Router();
  api.use(express.json({ limit: '2mb', strict: false, type: ['application/json', 'application/*+json'] }));
  api.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  api.use(createApiRouter(apiRoutes, apiDeps));
  api.use(apiNotFound);
  app.use('/api', api);

  mountBuilder(app, deps.builderDir);
  app.use(createErrorHandler(log));
  return app;
}

function mountBuilder(app: Express, builderDir: string | undefined): void {
  const index = builderDir ? path.join(builderDir, 'index.html') : undefined;
  if (builderDir && index && existsSync(index)) {
    app.use(
      express.static(builderDir, {
        index: false,
        setHeaders(res, file) {
          // Vite fingerprints assets: cache them forever; index.html must always be revalidated.
          if (file.includes(`${path.sep}assets${path.sep}`))
            res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
          else res.setHeader('Cache-Control', 'no-cache');
        },
      }),
    );
  }
  app.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path.startsWith('/api/') || req.path === '/webhook') return next();
    if (path.extname(req.path) !== '') return next(); // a missing asset is a 404, not the app
    if (builderDir && index && existsSync(index)) {
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(index);
      return;
    }
    res.status(200).type('html').send(friendlyNotBuiltPage());
  });
  app.use((req, res) => {
    res.status(404).json({ error: { code: 'route.not_found', message: `Nothing at ${req.path}.` } });
  });
}
