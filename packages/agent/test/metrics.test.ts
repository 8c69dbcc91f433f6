import { AgentMetrics } from '../src/metrics.js';

/** A series' value, read from the registry as a scrape would. */
async function value(metrics: AgentMetrics, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = metrics.registry.getSingleMetric(name);
  const values = (await metric?.get())?.values ?? [];
  return values.find((v) => Object.entries(labels).every(([key, label]) => String(v.labels[key]) === label))?.value;
}

describe('AgentMetrics', () => {
  test('times and counts passes by outcome; a pass that ran nothing is neither', async () => {
    const metrics = new AgentMetrics({ processMetrics: false });
    let clock = 0;
    const outcomes: Array<boolean | Error> = [true, false, new Error('busy'), true];
    const pass = metrics.observe(async () => {
      clock += 250;
      const outcome = outcomes.shift()!;
      if (outcome instanceof Error) throw outcome;
      return outcome;
    }, () => clock);
    expect(await pass(true)).toBe(true);
    expect(await pass(false)).toBe(false);
    await expect(pass(true)).rejects.toThrow('busy');
    await pass(false);
    expect(await value(metrics, 'tscni_sync_passes_total', { result: 'success' })).toBe(2);
    expect(await value(metrics, 'tscni_sync_passes_total', { result: 'failure' })).toBe(1);
    expect(await value(metrics, 'tscni_sync_duration_seconds', { full: 'true', le: '0.256' })).toBe(2);
    expect(await value(metrics, 'tscni_sync_duration_seconds', { full: 'false', le: '0.256' })).toBe(1);
  });

  test('adds up the route changes the controllers report', async () => {
    const metrics = new AgentMetrics({ processMetrics: false });
    metrics.countRouteChanges({ added: 2, removed: 1, failed: 0 });
    metrics.countRouteChanges({ added: 0, removed: 0, failed: 3 });
    expect(await value(metrics, 'tscni_routes_added_total')).toBe(2);
    expect(await value(metrics, 'tscni_routes_removed_total')).toBe(1);
    expect(await value(metrics, 'tscni_route_changes_failed_total')).toBe(3);
  });

  test('a registry of its own, in the text format, with the standard process and Node.js series', async () => {
    const metrics = new AgentMetrics();
    metrics.nodes.set(3);
    const text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE tscni_nodes gauge\ntscni_nodes 3\n');
    expect(text).toContain('tscni_sync_passes_total{result="failure"} 0\n');
    for (const name of ['tscni_api_watch_restarts_total', 'tscni_api_lists_total', 'tscni_ipam_addresses_released_total']) expect(text).toContain(`\n${name} 0\n`);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
    // Nothing on prom-client's global registry, which a second instance would collide on.
    expect(new AgentMetrics({ processMetrics: false }).registry).not.toBe(metrics.registry);
  });
});
