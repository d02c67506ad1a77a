/** Label values of one series, e.g. `{ reason: 'bad_signature' }`. */
export type Labels = Record<string, string>;

interface MetricBase {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  render(): string[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function seriesKey(labels: Labels | undefined): string {
  if (!labels) return '';
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k] ?? '')}"`)
    .join(',');
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function withLabels(name: string, key: string, extra?: string): string {
  const all = [key, extra].filter(Boolean).join(',');
  return all ? `${name}{${all}}` : name;
}

/** A monotonically increasing count, per label set. */
export class Counter implements MetricBase {
  readonly type = 'counter' as const;
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels?: Labels, by = 1): void {
    if (by < 0) throw new RangeError(`Counter ${this.name} cannot decrease`);
    const key = seriesKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  get(labels?: Labels): number {
    return this.values.get(seriesKey(labels)) ?? 0;
  }

  render(): string[] {
    if (this.values.size === 0) return [`${this.name} 0`];
    return [...this.values].map(([key, v]) => `${withLabels(this.name, key)} ${formatNumber(v)}`);
  }
}

/** A value that goes up and down, per label set. */
export class Gauge implements MetricBase {
  readonly type = 'gauge' as const;
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  set(value: number, labels?: Labels): void {
    this.values.set(seriesKey(labels), value);
  }

  inc(labels?: Labels, by = 1): void {
    const key = seriesKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  dec(labels?: Labels, by = 1): void {
    this.inc(labels, -by);
  }

  get(labels?: Labels): number {
    return this.values.get(seriesKey(labels)) ?? 0;
  }

  render(): string[] {
    if (this.values.size === 0) return [`${this.name} 0`];
    return [...this.values].map(([key, v]) => `${withLabels(this.name, key)} ${formatNumber(v)}`);
  }
}

interface HistogramSeries {
  counts: number[];
  sum: number;
  count: number;
}

/** Observations counted into cumulative buckets, per label set. */
export class Histogram implements MetricBase {
  readonly type = 'histogram' as const;
  private readonly series = new Map<string, HistogramSeries>();
  readonly buckets: number[];
  constructor(
    readonly name: string,
    readonly help: string,
    buckets: number[],
  ) {
    this.buckets = [...buckets].sort((a, b) => a - b);
  }

  observe(value: number, labels?: Labels): void {
    const key = seriesKey(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= (this.buckets[i] as number)) s.counts[i]! += 1;
    s.sum += value;
    s.count += 1;
  }

  /** Starts a timer; calling the result observes the elapsed seconds. */
  startTimer(labels?: Labels, now: () => number = () => performance.now()): () => number {
    const start = now();
    return () => {
      const seconds = (now() - start) / 1000;
      this.observe(seconds, labels);
      return seconds;
    };
  }

  getCount(labels?: Labels): number {
    return this.series.get(seriesKey(labels))?.count ?? 0;
  }

  render(): string[] {
    const lines: string[] = [];
    const entries = this.series.size === 0 ? [['', null] as const] : [...this.series];
    for (const [key, s] of entries) {
      this.buckets.forEach((le, i) =>
        lines.push(
          `${withLabels(`${this.name}_bucket`, key, `le="${formatNumber(le)}"`)} ${s?.counts[i] ?? 0}`,
        ),
      );
      lines.push(`${withLabels(`${this.name}_bucket`, key, 'le="+Inf"')} ${s?.count ?? 0}`);
      lines.push(`${withLabels(`${this.name}_sum`, key)} ${formatNumber(s?.sum ?? 0)}`);
      lines.push(`${withLabels(`${this.name}_count`, key)} ${s?.count ?? 0}`);
    }
    return lines;
  }
}

/**
 * A tiny Prometheus registry: define metrics once, render the text exposition format (0.0.4).
 * @example const m = new MetricsRegistry(); m.counter('x_total', 'Things').inc(); m.render()
 */
export class MetricsRegistry {
  private readonly metrics = new Map<string, MetricBase>();
  /** Called before each render so gauges read from elsewhere are fresh. */
  private readonly collectors: Array<() => void | Promise<void>> = [];

  counter(name: string, help: string): Counter {
    return this.register(new Counter(name, help));
  }

  gauge(name: string, help: string): Gauge {
    return this.register(new Gauge(name, help));
  }

  histogram(name: string, help: string, buckets: number[]): Histogram {
    return this.register(new Histogram(name, help, buckets));
  }

  onCollect(collect: () => void | Promise<void>): void {
    this.collectors.push(collect);
  }

  get(name: string): MetricBase | undefined {
    return this.metrics.get(name);
  }

  async render(): Promise<string> {
    for (const collect of this.collectors) await collect();
    const lines: string[] = [];
    for (const metric of this.metrics.values()) {
      lines.push(`# HELP ${metric.name} ${metric.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
      lines.push(`# TYPE ${metric.name} ${metric.type}`);
      lines.push(...metric.render());
    }
    return `${lines.join('\n')}\n`;
  }

  private register<M extends MetricBase>(metric: M): M {
    if (!NAME.test(metric.name)) throw new Error(`Invalid metric name: ${metric.name}`);
    if (this.metrics.has(metric.name)) throw new Error(`Metric already defined: ${metric.name}`);
    this.metrics.set(metric.name, metric);
    return metric;
  }
}
