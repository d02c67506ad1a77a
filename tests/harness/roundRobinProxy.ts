import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A minimal load balancer for the benchmark and the multi-instance tests: each request goes to
 * the next target in turn, as a real balancer would spread Meta's deliveries; 502 when the
 * target is down.
 * `setTargets` swaps the instances behind a stable URL (a restarted server has a new port).
 */
export async function startRoundRobinProxy(
  initialTargets: string[],
): Promise<{ url: string; setTargets(targets: string[]): void; close(): Promise<void> }> {
  let targets = initialTargets;
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  let next = 0;
  const server: Server = createServer((req, res) => {
    if (targets.length === 0) {
      res.writeHead(502).end();
      return;
    }
    const target = new URL(targets[next++ % targets.length]!);
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setTargets(next) {
      targets = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        agent.destroy();
      }),
  };
}
