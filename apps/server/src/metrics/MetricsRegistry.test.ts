import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from './MetricsRegistry.js';
import { createParleyMetrics } from './createParleyMetrics.js';

describe('MetricsRegistry', () => {
  it('renders counters, gauges and histograms in the Prometheus text format', async () => {
    const registry = new MetricsRegistry();
    const counter = registry.counter('t_requests_total', 'Requests');
    const gauge = registry.gauge('t_depth', 'Depth');
    const histogram = registry.histogram('t_seconds', 'Latency', [0.1, 1]);
    counter.inc({ reason: 'bad "sig"\n' });
    counter.inc({ reason: 'bad "sig"\n' }, 2);
    gauge.set(5);
    gauge.dec();
    histogram.observe(0.05);
    histogram.observe(0.5);
    histogram.observe(3);
    const text = await registry.render();
    expect(text).toContain('# HELP t_requests_total Requests\n# TYPE t_requests_total counter\n');
    expect(text).toContain('t_requests_total{reason="bad \\"sig\\"\\n"} 3\n');
    expect(text).toContain('# TYPE t_depth gauge\nt_depth 4\n');
    expect(text).toContain('t_seconds_bucket{le="0.1"} 1\n');
    expect(text).toContain('t_seconds_bucket{le="1"} 2\n');
    expect(text).toContain('t_seconds_bucket{le="+Inf"} 3\n');
    expect(text).toContain('t_seconds_sum 3.55\n');
    expect(text).toContain('t_seconds_count 3\n');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('sorts label names so one series is one line whatever the order', async () => {
    const registry = new MetricsRegistry();
    const c = registry.counter('t_total', 'x');
    c.inc({ a: '1', b: '2' });
    c.inc({ b: '2', a: '1' });
    expect(c.get({ b: '2', a: '1' })).toBe(2);
    expect(await registry.render()).toContain('t_total{a="1",b="2"} 2');
  });

  it('refuses bad names, duplicates and decreasing counters', () => {
    const registry = new MetricsRegistry();
    expect(() => registry.counter('bad-name', 'x')).toThrow(/Invalid metric name/);
    registry.gauge('g', 'x');
    expect(() => registry.gauge('g', 'x')).toThrow(/already defined/);
    expect(() => registry.counter('c_total', 'x').inc(undefined, -1)).toThrow(RangeError);
  });

  it('times with an injected clock', () => {
    const registry = new MetricsRegistry();
    const h = registry.histogram('t', 'x', [1]);
    let now = 1000;
    const stop = h.startTimer(undefined, () => now);
    now = 1500;
    expect(stop()).toBe(0.5);
    expect(h.getCount()).toBe(1);
  });

  it('runs collectors before rendering', async () => {
    const registry = new MetricsRegistry();
    const g = registry.gauge('fresh', 'x');
    let value = 1;
    registry.onCollect(() => g.set(value));
    value = 42;
    expect(await registry.render()).toContain('fresh 42');
  });
});

describe('createParleyMetrics', () => {
  it('defines every metric the workers report', async () => {
    const metrics = createParleyMetrics();
    metrics.webhookRequestsRejected.inc({ reason: 'bad_signature' });
    metrics.sendAttempts.inc({ result: 'sent' });
    const text = await metrics.registry.render();
    for (const name of [
      'parley_webhook_events_received_total',
      'parley_webhook_requests_rejected_total',
      'parley_events_processed_total',
      'parley_event_processing_seconds',
      'parley_outbox_queue_depth',
      'parley_send_attempts_total',
      'parley_send_retries_total',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(text).toContain('parley_webhook_requests_rejected_total{reason="bad_signature"} 1');
    expect(text).toContain('parley_event_processing_seconds_bucket{le="+Inf"} 0');
    expect(text).toMatch(/parley_process_resident_memory_bytes \d+/);
  });
});
