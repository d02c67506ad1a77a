import { createSimulator } from './createSimulator.js';
import { parseSimulatorEnv } from './simulatorEnv.js';

// Entry point of `npm run simulator`: a standalone local WhatsApp Cloud API.
const parsed = parseSimulatorEnv(process.env);
if (!parsed.ok) {
  process.stderr.write(`The simulator cannot start:\n${parsed.message}\n`);
  process.exit(1);
}
const { port, host, options } = parsed.env;
const simulator = createSimulator({
  ...options,
  log: {
    warn: (fields, message) => process.stderr.write(`${message} ${JSON.stringify(fields)}\n`),
  },
});
const { url } = await simulator.listen(port, host);
process.stdout.write(
  [
    `WhatsApp Cloud API simulator listening on ${url}`,
    `  Graph base URL : ${url} (e.g. POST ${url}/v25.0/${options.phoneNumberIds?.[0]}/messages)`,
    `  Webhooks to    : ${options.webhookUrl}`,
    `  Control        : POST ${url}/_sim/send, GET ${url}/_sim/stats, POST|DELETE ${url}/_sim/faults`,
    '',
  ].join('\n'),
);

const stop = () => {
  void simulator.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
