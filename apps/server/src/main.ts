import { loadConfig } from './config/loadConfig.js';
import { createLogger } from './logging/createLogger.js';
import { startParley } from './startParley.js';
import { letThreadsSizeTheirHeaps } from './threadHeaps.js';

/** `npm start`: read the configuration, start Parley, stop cleanly on SIGTERM / SIGINT. */
async function main(): Promise<void> {
  letThreadsSizeTheirHeaps();
  const result = loadConfig(process.env);
  if (!result.ok) {
    process.stderr.write(`${result.message}\n`);
    process.exit(1);
  }
  const { config, warnings } = result;
  const log = createLogger({ level: config.logLevel });
  for (const warning of warnings) log.warn({}, warning);

  let running;
  try {
    running = await startParley(config, { log, print: (text) => process.stdout.write(`${text}\n`) });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`Parley could not start: ${message}\n`);
    process.exit(1);
  }
  const mode = config.sandbox
    ? 'sandbox mode (built-in WhatsApp simulator, no credentials)'
    : 'WhatsApp Cloud API';
  log.info({ url: running.url }, `Parley is running on ${running.url} — ${mode}`);
  process.stdout.write(
    `\nParley is running: open ${running.url.replace('127.0.0.1', 'localhost')} (${mode})\n\n`,
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing the events in hand');
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    void running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main();
