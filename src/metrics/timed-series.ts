import type { Metric } from 'prom-client';

/**
 * A count, a sum of seconds and histogram buckets for one label set, updated in place.
 *
 * prom-client's own children are not bound: every `observe` or `inc` hashes the labels into a
 * string and allocates an object or two, which the forward-auth hot path cannot afford. Here an
 * observation is a few additions; the registry reads the numbers only at scrape time.
 */
export class TimedSeries {
  count = 0;
  sum = 0;
  /** Per bucket, not cumulative; the last one is above every bound (+Inf). */
  private readonly perBucket: Float64Array;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.perBucket = new Float64Array(bounds.length + 1);
  }

  observe(seconds: number): void {
    this.count++;
    this.sum += seconds;
    let bucket = 0;
    while (bucket < this.bounds.length && seconds > this.bounds[bucket]) bucket++;
    this.perBucket[bucket]++;
  }

  /** Cumulative counts per upper bound, +Inf last, as Prometheus histograms report them. */
  cumulative(): number[] {
    let total = 0;
    return Array.from(this.perBucket, (count) => (total += count));
  }
}

interface ExportedValue {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * A set of TimedSeries exported as two metrics: a counter of observations and a histogram of their
 * seconds, e.g. `tessera_http_requests_total` and `tessera_http_request_duration_seconds`.
 */
export class TimedFamily {
  private readonly series: TimedSeries[] = [];

  constructor(
    readonly bounds: readonly number[],
    private readonly counter: { name: string; help: string },
    private readonly histogram: { name: string; help: string },
  ) {}

  add(labels: Record<string, string>): TimedSeries {
    const series = new TimedSeries(Object.freeze({ ...labels }), this.bounds);
    this.series.push(series);
    return series;
  }

  /**
   * Registry entries that report the series at scrape time. They have the shape prom-client's
   * registry reads (`get()` resolving to name, help, type and values): the shape its own cluster
   * aggregation registers, which is why the cast is sound.
   */
  metrics(): Metric[] {
    const counter = {
      ...this.counter,
      type: 'counter',
      aggregator: 'sum',
      get: () => Promise.resolve({ ...counter, values: this.series.map((s): ExportedValue => ({ labels: s.labels, value: s.count })) }),
    };
    const histogram = {
      ...this.histogram,
      type: 'histogram',
      aggregator: 'sum',
      get: () => Promise.resolve({ ...histogram, values: this.series.flatMap((s) => this.histogramValues(s)) }),
    };
    return [counter, histogram] as unknown as Metric[];
  }

  private histogramValues(series: TimedSeries): ExportedValue[] {
    const name = this.histogram.name;
    const cumulative = series.cumulative();
    const les = [...this.bounds.map(String), '+Inf'];
    return [
      ...les.map((le, i) => ({ metricName: `${name}_bucket`, labels: { ...series.labels, le }, value: cumulative[i] })),
      { metricName: `${name}_sum`, labels: series.labels, value: series.sum },
      { metricName: `${name}_count`, labels: series.labels, value: series.count },
    ];
  }
}
