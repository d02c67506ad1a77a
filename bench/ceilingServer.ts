// The ceiling: a bare node:http webhook receiver that verifies the signature and posts one fixed
// reply per message to the simulator — no engine, no storage. What Parley is measured against.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Agent, createServer, request } from 'node:http';

const port = Number(process.env.PORT ?? 0);
const appSecret = process.env.APP_SECRET ?? '';
const graph = new URL(process.env.GRAPH_URL ?? 'http://127.0.0.1:1');
const token = process.env.TOKEN ?? '';
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

function reply(phoneNumberId: string, to: string): void {
  const body = JSON.stringify({ messaging_product: 'whatsapp', to, type: 'text', text: { body: 'Thanks!' } });
  const req = request(
    {
      host: graph.hostname,
      port: graph.port,
      method: 'POST',
      path: `/v25.0/${phoneNumberId}/messages`,
      agent,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        'content-length': Buffer.byteLength(body),
      },
    },
    (res) => res.resume(),
  );
  req.on('error', () => undefined);
  req.end(body);
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    const given = String(req.headers['x-hub-signature-256'] ?? '');
    const expected = `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`;
    if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200).end('OK');
    const payload = JSON.parse(raw.toString('utf8'));
    for (const entry of payload.entry ?? []) {
      for (const change of entry.changes ?? []) {
        const phoneNumberId = change.value?.metadata?.phone_number_id;
        for (const message of change.value?.messages ?? []) reply(phoneNumberId, message.from);
      }
    }
  });
});
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`READY ${typeof address === 'object' && address ? address.port : port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
