import { parseSamples, total } from '../src/scrape.js';

describe('parseSamples', () => {
  const text = [
    '# HELP apiserver_longrunning_requests [STABLE] Gauge of all active long-running apiserver requests',
    '# TYPE apiserver_longrunning_requests gauge',
    'apiserver_longrunning_requests{component="apiserver",group="",resource="nodes",scope="cluster",subresource="",verb="WATCH"} 1',
    'apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="nodes",scope="cluster",subresource="",verb="LIST",version="v1"} 11',
    'apiserver_request_total{code="410",component="apiserver",dry_run="",group="",resource="nodes",scope="cluster",subresource="",verb="LIST",version="v1"} 1',
    'tscni_sync_passes_total{result="success"} 7',
    'process_resident_memory_bytes 5.1e+07',
    'odd{label="with \\"quotes\\", and a comma"} 2',
  ].join('\n');

  test('reads names, labels and values; total sums the samples whose labels match', () => {
    const samples = parseSamples(text);
    expect(samples).toHaveLength(6);
    expect(total(samples, 'apiserver_longrunning_requests', { verb: 'WATCH', resource: 'nodes' })).toBe(1);
    expect(total(samples, 'apiserver_request_total', { verb: 'LIST', resource: 'nodes' })).toBe(12);
    expect(total(samples, 'tscni_sync_passes_total')).toBe(7);
    expect(total(samples, 'process_resident_memory_bytes')).toBe(51_000_000);
    expect(samples.at(-1)!.labels.label).toBe('with \\"quotes\\", and a comma');
  });
});
