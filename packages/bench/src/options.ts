/** What `npm run bench -- [options]` takes. */
export interface BenchOptions {
  /** Smoke-test sizes: every table runs, with few samples and small N. */
  quick: boolean;
  /** Pods ADDed at once in the burst table. */
  burst: number;
  /** Samples per side in the latency tables. */
  samples: number;
  /** Rounds per side of the burst. */
  rounds: number;
  /** Pods on the node for the growth table. */
  growth: number;
  /** Node counts of the route-sync bursts. */
  nodeBursts: number[];
  /** NetworkPolicy counts in the API at which table 7 measures, smallest first. */
  netpolPolicies: number[];
  /** Pods in the API for table 7 (about 11 % of them on the measured node). */
  netpolPods: number;
  /** Kubelet-sized Nodes in the API for table 8's burst and start. */
  scaleNodes: number;
  /** Nodes left for table 8's churn rows (one change a second). */
  churnNodes: number;
  /** Seconds of each churn row. */
  churnSeconds: number;
  /** Tables to run (1-8). */
  tables: number[];
  /** Where the JSON results go. */
  out: string;
}

export const USAGE = `usage: npm run bench -- [--quick] [--n PODS] [--samples N] [--rounds N] [--growth PODS] [--policies LIST] [--netpol-pods PODS] [--scale-nodes N] [--churn-nodes N] [--churn-seconds S] [--tables 1,2,...] [--out FILE]

  --quick             smoke test: every table, small sizes (about a minute)
  --n PODS            pods in the burst (default 100)
  --samples N         samples per side in the latency tables (default 20)
  --rounds N          burst rounds per side (default 3)
  --growth PODS       pods on the node in the growth table (default 500)
  --policies LIST     NetworkPolicies in the API at each level of table 7 (default 10,100,1000)
  --netpol-pods PODS  pods in the API for table 7 (default 1000)
  --scale-nodes N     kubelet-sized Nodes in table 8's burst (default 5000, at most 8000)
  --churn-nodes N     Nodes among which table 8 changes one a second (default 1000)
  --churn-seconds S   seconds of each of table 8's churn rows (default 30)
  --tables LIST       which tables to run (default 1,2,3,4,5,6,7,8)
  --out FILE          JSON results (default bench-results/latest.json)

TSCNI_BENCH_BIN=DIR measures the executables in DIR instead of dist/cni/bin.`;

const VALUE_FLAGS = ['--n', '--samples', '--rounds', '--growth', '--policies', '--netpol-pods', '--scale-nodes', '--churn-nodes', '--churn-seconds', '--tables', '--out'];

export function parseOptions(argv: readonly string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const options: BenchOptions = {
    quick,
    burst: quick ? 10 : 100,
    samples: quick ? 4 : 20,
    rounds: quick ? 1 : 3,
    growth: quick ? 20 : 500,
    nodeBursts: quick ? [1, 100] : [1, 100, 1000, 5000],
    netpolPolicies: quick ? [10] : [10, 100, 1000],
    netpolPods: quick ? 100 : 1000,
    scaleNodes: quick ? 200 : 5000,
    churnNodes: quick ? 50 : 1000,
    churnSeconds: quick ? 5 : 30,
    tables: [1, 2, 3, 4, 5, 6, 7, 8],
    out: 'bench-results/latest.json',
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--quick') continue;
    if (!VALUE_FLAGS.includes(flag ?? '')) throw new Error(`unknown option "${flag}"\n${USAGE}`);
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
    const count = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} takes a positive whole number, got "${value}"`);
      return n;
    };
    switch (flag) {
      case '--n':
        options.burst = count();
        break;
      case '--samples':
        options.samples = count();
        break;
      case '--rounds':
        options.rounds = count();
        break;
      case '--growth':
        options.growth = Math.max(2, count());
        break;
      case '--policies':
        options.netpolPolicies = value.split(',').map(Number).sort((a, b) => a - b);
        if (options.netpolPolicies.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--policies takes positive whole numbers\n${USAGE}`);
        break;
      case '--netpol-pods':
        options.netpolPods = count();
        break;
      case '--scale-nodes':
        // Each peer has a node address and a pod CIDR of its own up to 8,000 (route-sync.ts's peer()).
        options.scaleNodes = Math.min(8000, count());
        break;
      case '--churn-nodes':
        options.churnNodes = count();
        break;
      case '--churn-seconds':
        options.churnSeconds = count();
        break;
      case '--tables':
        options.tables = value.split(',').map(Number);
        if (options.tables.some((t) => !Number.isInteger(t) || t < 1 || t > 8)) throw new Error(`--tables takes numbers 1-8\n${USAGE}`);
        break;
      case '--out':
        options.out = value;
        break;
    }
  }
  return options;
}
