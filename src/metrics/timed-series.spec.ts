import { Registry } from 'prom-client';
import { TimedFamily } from './timed-series';

describe('TimedFamily', () => {
  it('exports a counter and a cumulative histogram (upper bounds inclusive) through a prom-client registry', async () => {
    const family = new TimedFamily([0.1, 1], { name: 'test_things_total', help: 'Things.' }, { name: 'test_thing_seconds', help: 'Thing time.' });
    const fast = family.add({ kind: 'fast' });
    family.add({ kind: 'idle' });
    for (const seconds of [0.05, 0.1, 0.5, 2]) fast.observe(seconds);
    const registry = new Registry();
    for (const metric of family.metrics()) registry.registerMetric(metric);

    expect((await registry.metrics()).split('\n')).toEqual([
      '# HELP test_things_total Things.',
      '# TYPE test_things_total counter',
      'test_things_total{kind="fast"} 4',
      'test_things_total{kind="idle"} 0',
      '',
      '# HELP test_thing_seconds Thing time.',
      '# TYPE test_thing_seconds histogram',
      'test_thing_seconds_bucket{kind="fast",le="0.1"} 2',
      'test_thing_seconds_bucket{kind="fast",le="1"} 3',
      'test_thing_seconds_bucket{kind="fast",le="+Inf"} 4',
      'test_thing_seconds_sum{kind="fast"} 2.65',
      'test_thing_seconds_count{kind="fast"} 4',
      'test_thing_seconds_bucket{kind="idle",le="0.1"} 0',
      'test_thing_seconds_bucket{kind="idle",le="1"} 0',
      'test_thing_seconds_bucket{kind="idle",le="+Inf"} 0',
      'test_thing_seconds_sum{kind="idle"} 0',
      'test_thing_seconds_count{kind="idle"} 0',
      '',
    ]);
  });
});
