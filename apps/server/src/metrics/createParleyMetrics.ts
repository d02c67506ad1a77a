import { MetricsRegistry, type Counter, type Gauge, type Histogram } from './MetricsRegistry.js';

/** Every metric the server exposes at /metrics; the workers increment them. */
export interface ParleyMetrics {
  registry: MetricsRegistry;
  webhookEventsReceived: Counter;
  /** Label `reason`: bad_signature, missing_signature, invalid_payload, unknown_number, … */
  webhookRequestsRejected: Counter;
  eventsProcessed: Counter;
  eventProcessingSeconds: Histogram;
  outboxQueueDepth: Gauge;
  /** Label `result`: sent, retry, failed, … */
  sendAttempts: Counter;
  sendRetries: Counter;
  /** Labels `method`, `route`, `status` (the route pattern, never the concrete path). */
  httpRequests: Counter;
  httpRequestSeconds: Histogram;
  processResidentMemoryBytes: Gauge;
}

/**
 * Defines Parley's metrics in a fresh registry.
 * @example const metrics = createParleyMetrics(); metrics.eventsProcessed.inc();
 */
export function createParleyMetrics(registry = new MetricsRegistry()): ParleyMetrics {
  const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  const metrics: ParleyMetrics = {
    registry,
    webhookEventsReceived: registry.counter(
      'parley_webhook_events_received_total',
      'Inbound webhook events accepted (messages and statuses) after signature verification.',
    ),
    webhookRequestsRejected: registry.counter(
      'parley_webhook_requests_rejected_total',
      'Webhook requests refused, by reason.',
    ),
    eventsProcessed: registry.counter(
      'parley_events_processed_total',
      'Inbox events processed by the engine.',
    ),
    eventProcessingSeconds: registry.histogram(
      'parley_event_processing_seconds',
      'Time from an event arriving to its commit unit being written.',
      latencyBuckets,
    ),
    outboxQueueDepth: registry.gauge('parley_outbox_queue_depth', 'Outbound messages waiting to be sent.'),
    sendAttempts: registry.counter('parley_send_attempts_total', 'Graph API send attempts, by result.'),
    sendRetries: registry.counter('parley_send_retries_total', 'Send attempts scheduled for a retry.'),
    httpRequests: registry.counter(
      'parley_http_requests_total',
      'HTTP requests served, by route and status.',
    ),
    httpRequestSeconds: registry.histogram(
      'parley_http_request_seconds',
      'HTTP request duration.',
      latencyBuckets,
    ),
    processResidentMemoryBytes: registry.gauge(
      'parley_process_resident_memory_bytes',
      'Resident memory size.',
    ),
  };
  registry.onCollect(() => metrics.processResidentMemoryBytes.set(process.memoryUsage.rss()));
  return metrics;
}
