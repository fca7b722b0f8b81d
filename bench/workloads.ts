/**
 * Workloads A-F on seqlab and on its peers, in one run, one thread each:
 *
 *   npm run bench [-- --json] [-- --rounds R] [-- --repeats N] [-- --workloads A,B,C,D,E,F]
 *     [-- --systems seqlab,tfjs-wasm,tfjs-cpu,pytorch] [-- --quick] [-- --cpu N | --no-pin]
 *
 *   A: char LSTM (embedding 64, hidden 256), B: the same with a GRU, C: GPT (2 layers, d_model
 *   128, 4 heads, FFN 512): training tokens/s at batch 32, context 64, vocabulary 65, Adam.
 *   D: batch-1 generation with A's LSTM, chars/s.
 *   E: the translation Transformer step (d_model 256, 3 + 3 layers, 4 heads, FFN 1024, 4,000
 *   target tokens a batch, vocabularies of 8,000, label smoothing 0.1, Adam): target tokens/s,
 *   against PyTorch only (TensorFlow.js has no such model here).
 *   F: the DanQ-style DNA classifier (SequenceNet 'cnn-bilstm' with the classify recipe: conv
 *   128 × 11, max-pool 4, BiLSTM 64, max ‖ mean, fc 64, 2 classes), 64 sequences of 200 bases a
 *   batch, Adam: training bases/s, against PyTorch only.
 *
 * Every system runs in its own child process, one workload per process. The systems take turns:
 * for each workload, R rounds (default 3), each running every system once with N timed repeats
 * (default 2), so a slow spell of the (shared, virtual) machine lands on seqlab and its peers
 * alike. A system's rate is the median of its R·N repeats; a ratio seqlab/peer is the median over
 * rounds of the ratio of their medians within the round.
 *
 *   seqlab      bench/peers/seqlab-workloads.ts (the runWorkload of `seqlab bench`)
 *   tfjs-wasm   bench/peers/tfjs-workloads.ts --backend wasm (tfjs-core 4.22, setThreadsCount(1))
 *   tfjs-cpu    bench/peers/tfjs-workloads.ts --backend cpu
 *   pytorch     python3 bench/peers/torch_workloads.py (when `import torch` works; else skipped)
 * Each child prints the median of its timed runs after a warm-up. Children are pinned to one
 * CPU with taskset (the last one unless --cpu N; --no-pin leaves them free) and get
 * OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=MKL_NUM_THREADS=1, and OPENBLAS_CORETYPE=SkylakeX on CPUs
 * with avx512f (Debian's OpenBLAS misdetects them), over any value the environment sets, unless
 * --openblas-core NAME picks a kernel by hand.
 *
 * Prints a Markdown table of rates and of the ratios seqlab/peer, the targets (issues 4 and 11), and
 * the machine facts; --json prints everything as one object instead.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../src/tasks/bench/workloads.js';

type Letter = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';
type System = 'seqlab' | 'tfjs-wasm' | 'tfjs-cpu' | 'pytorch';
const LETTERS: Letter[] = ['A', 'B', 'C', 'D', 'E', 'F'];
const SYSTEMS: System[] = ['seqlab', 'tfjs-wasm', 'tfjs-cpu', 'pytorch'];
const NAMES: Record<Letter, string> = {
  A: 'A_lstm_train: LSTM training, tokens/s',
  B: 'B_gru_train: GRU training, tokens/s',
  C: 'C_gpt_train: GPT training, tokens/s',
  D: 'D_lstm_generate: batch-1 LSTM generation, chars/s',
  E: 'E_transformer_mt_train: translation Transformer training, target tokens/s',
  F: 'F_cnn_bilstm_dna_train: DNA cnn-bilstm classifier training, bases/s',
};
type Unit = 'tokens_per_s' | 'chars_per_s' | 'bases_per_s';
/** What each workload's rate counts, whatever unit a child names. */
const UNITS: Record<Letter, Unit> = { A: 'tokens_per_s', B: 'tokens_per_s', C: 'tokens_per_s', D: 'chars_per_s', E: 'tokens_per_s',
  F: 'bases_per_s' };
/** The systems that have each workload: TensorFlow.js has no translation or DNA model here. */
const HAS: Record<Letter, readonly System[]> = { A: SYSTEMS, B: SYSTEMS, C: SYSTEMS, D: SYSTEMS, E: ['seqlab', 'pytorch'],
  F: ['seqlab', 'pytorch'] };

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const has = (flag: string): boolean => argv.includes(flag);
function arg(name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : undefined;
}

const json = has('--json');
const quick = has('--quick');
const repeats = Number(arg('repeats') ?? (quick ? 1 : 2));
const rounds = Number(arg('rounds') ?? (quick ? 1 : 3));
if (!(Number.isInteger(repeats) && repeats > 0)) throw new Error(`--repeats must be a whole number > 0, got ${arg('repeats')}`);
if (!(Number.isInteger(rounds) && rounds > 0)) throw new Error(`--rounds must be a whole number > 0, got ${arg('rounds')}`);
const workloads = (arg('workloads') ?? LETTERS.join(',')).split(',').map((s) => s.trim()) as Letter[];
const systems = (arg('systems') ?? SYSTEMS.join(',')).split(',').map((s) => s.trim()) as System[];
for (const w of workloads) if (!LETTERS.includes(w)) throw new Error(`--workloads: unknown workload ${w}`);
for (const s of systems) if (!SYSTEMS.includes(s)) throw new Error(`--systems: unknown system ${s}`);

/**
 * Work per timed repeat: training steps (2,048 tokens each) and generated characters, about a
 * second or more per repeat on the peers. seqlab's runWorkload counts in `size`: round(3·size)
 * training steps (yielding to the event loop between steps), or 3,000 warm-up characters and
 * then round(3000·size) timed ones for D, without yielding, so the wasm heap cannot recycle
 * blocks within a D call (src/tasks/bench/workloads.ts). 6,000 characters keep D in the heap.
 * F's steps (12,800 bases) take about as long as A's, so F uses the same counts.
 */
const WORK: Record<System, { steps: number; chars: number; warmup: number }> = quick
  ? { seqlab: { steps: 1, chars: 60, warmup: 1 }, 'tfjs-wasm': { steps: 1, chars: 60, warmup: 1 },
    'tfjs-cpu': { steps: 1, chars: 60, warmup: 0 }, pytorch: { steps: 1, chars: 60, warmup: 1 } }
  : { seqlab: { steps: 6, chars: 6000, warmup: 1 }, 'tfjs-wasm': { steps: 2, chars: 5000, warmup: 1 },
    'tfjs-cpu': { steps: 1, chars: 1000, warmup: 1 }, pytorch: { steps: 12, chars: 5000, warmup: 2 } };

const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
const avx512f = /^flags\s*:.*\bavx512f\b/m.test(cpuinfo);
const taskset = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p));
const pinCpu = has('--no-pin') || !taskset ? null : Number(arg('cpu') ?? cpus().length - 1);

const openblasCore = arg('openblas-core') ?? (avx512f ? 'SkylakeX' : undefined);
const childEnv: NodeJS.ProcessEnv = {
  ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1',
  // The fastest kernel this CPU runs: SkylakeX where avx512f is present, even over an environment
  // that sets another (this machine's sets Haswell, which holds PyTorch to AVX2); `--openblas-core`
  // chooses one by hand. The PyTorch child checks its products (blas_check) under the kernel used.
  ...(openblasCore ? { OPENBLAS_CORETYPE: openblasCore } : {}),
};

interface ChildResult {
  system: System;
  workload: Letter;
  unit: Unit;
  rate: number;
  repeats: number[];
  [key: string]: unknown;
}

function runChild(command: string[], label: string): { result?: ChildResult; error?: string; seconds: number } {
  const full = pinCpu === null ? command : [taskset!, '-c', String(pinCpu), ...command];
  const loadBefore = loadavg()[0];
  const t0 = performance.now();
  const r = spawnSync(full[0], full.slice(1), { cwd: root, env: childEnv, encoding: 'utf8', maxBuffer: 64 << 20,
    timeout: 60 * 60 * 1000 });
  const seconds = (performance.now() - t0) / 1000;
  const line = (r.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.status === 0 && line) {
    const result = JSON.parse(line) as ChildResult;
    result.unit = UNITS[result.workload]; // seqlab's child names tokens for every training workload
    result.load_average_1m = [loadBefore, loadavg()[0]]; // before and after this child: other work on the machine
    result.wall_s = seconds;
    return { result, seconds };
  }
  const tail = `${r.error?.message ?? ''}\n${r.stderr ?? ''}`.split('\n').map((l) => l.slice(0, 300))
    .filter((l) => l.trim() && !l.startsWith('npm warn')).slice(-6).join(' | ');
  return { error: `${label} failed (exit ${r.status ?? r.signal}): ${tail}`, seconds };
}

const tsx = join(root, 'node_modules', '.bin', 'tsx');

/**
 * Workload E's steps are about 50 times A's work (4,000 target tokens through a 256-wide 3 + 3
 * layer model and an 8,000-way output): fewer of them per repeat.
 */
const WORK_E: Record<'seqlab' | 'pytorch', { steps: number; warmup: number }> = quick
  ? { seqlab: { steps: 1, warmup: 1 }, pytorch: { steps: 1, warmup: 1 } }
  : { seqlab: { steps: 3, warmup: 1 }, pytorch: { steps: 3, warmup: 1 } };

function command(system: System, w: Letter): string[] {
  const work = w === 'E' && (system === 'seqlab' || system === 'pytorch') ? { ...WORK[system], ...WORK_E[system] } : WORK[system];
  const common = ['--workload', w, '--repeats', String(repeats)];
  switch (system) {
    case 'seqlab': {
      // runWorkload's own sizes: round(3·size) steps, round(3000·size) characters.
      const size = w === 'D' ? work.chars / 3000 : work.steps / 3;
      return [tsx, 'bench/peers/seqlab-workloads.ts', ...common, '--size', String(size)];
    }
    case 'tfjs-wasm':
    case 'tfjs-cpu':
      return [tsx, 'bench/peers/tfjs-workloads.ts', '--backend', system.slice(5), ...common, '--steps', String(work.steps),
        '--chars', String(work.chars), '--warmup', String(work.warmup)];
    case 'pytorch':
      return [python(), 'bench/peers/torch_workloads.py', ...common, '--steps', String(work.steps),
        '--chars', String(work.chars), '--warmup', String(work.warmup)];
  }
}

/** Debian's python3 first (python3-torch installs there), then whichever python3 is on PATH. */
const PYTHONS = ['/usr/bin/python3', 'python3'];
let chosenPython: string | null = null;

function python(): string {
  return chosenPython ?? 'python3';
}

function torchAvailable(): { ok: boolean; why: string; version?: string } {
  let why = '';
  for (const py of PYTHONS) {
    const r = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', env: childEnv });
    if (r.error) {
      why = `${py} could not run (${r.error.message})`;
    } else if (r.status !== 0) {
      const last = (r.stderr ?? '').trim().split('\n').pop() ?? '';
      why = `\`${py} -c 'import torch'\` failed: ${last} (Debian: apt-get install python3-torch)`;
    } else {
      chosenPython = py;
      return { ok: true, why: '', version: r.stdout.trim() };
    }
  }
  return { ok: false, why };
}

function log(text: string): void {
  process.stderr.write(`${text}\n`);
}

const started = new Date();
const seqlabTree = spawnSync('git', ['describe', '--always', '--dirty'], { cwd: root, encoding: 'utf8' }).stdout?.trim() || null;
const loadBefore = loadavg();
const torch = systems.includes('pytorch') ? torchAvailable() : { ok: false, why: 'not selected (--systems)' };
const skipped: Record<string, string> = {};
if (!torch.ok) skipped.pytorch = torch.why;
const active = systems.filter((s) => s !== 'pytorch' || torch.ok);
for (const s of SYSTEMS) if (!systems.includes(s)) skipped[s] ??= 'not selected (--systems)';

const results: Partial<Record<Letter, Partial<Record<System, ChildResult>>>> = {};
/** Per workload and round, each system's median rate in that round. */
const roundRates: Partial<Record<Letter, Partial<Record<System, number>>[]>> = {};
const errors: string[] = [];
log(`npm run bench: workloads ${workloads.join(',')}; systems ${active.join(', ')}; ${rounds} rounds of ${repeats} repeats; ` +
  `${pinCpu === null ? 'not pinned' : `pinned to CPU ${pinCpu}`}; load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`);
if (skipped.pytorch && systems.includes('pytorch')) log(`PyTorch skipped: ${skipped.pytorch}`);
for (const w of workloads) {
  results[w] = {};
  roundRates[w] = [];
  const failed = new Set<System>();
  for (let round = 0; round < rounds; round++) {
    const rates: Partial<Record<System, number>> = {};
    for (const s of active) {
      if (failed.has(s) || !HAS[w].includes(s)) continue;
      const { result, error, seconds } = runChild(command(s, w), `${s} ${w}`);
      if (!result) {
        failed.add(s);
        errors.push(error!);
        log(`  ${error}`);
        continue;
      }
      rates[s] = result.rate;
      // Keep the first child's facts; gather every round's repeats and loads.
      const kept = results[w]![s] ??= { ...result, repeats: [], load_average_1m: [] };
      kept.repeats.push(...result.repeats);
      (kept.load_average_1m as number[]).push(...(result.load_average_1m as number[]));
      kept.rate = median(kept.repeats);
      log(`  ${w} ${s.padEnd(9)} round ${round + 1}: ${Math.round(result.rate).toString().padStart(7)} ` +
        `${result.unit.replace('_per_s', '/s')}  (repeats ${result.repeats.map((x) => Math.round(x)).join(', ')}; ` +
        `${seconds.toFixed(0)} s; load ${(result.load_average_1m as number[]).map((x) => x.toFixed(2)).join(' → ')})`);
    }
    roundRates[w]!.push(rates);
  }
}
const loadAfter = loadavg();

// Facts about the run that the rates depend on.
const torchFacts = Object.values(results).map((r) => r?.pytorch).find(Boolean);
const wasmFacts = Object.values(results).map((r) => r?.['tfjs-wasm']).find(Boolean);
const seqlabFacts = Object.values(results).map((r) => r?.seqlab).find(Boolean);
const blas = torchFacts?.blas as { kind?: string; libraries?: string[]; openblas_corename?: string | null } | undefined;
const optimizedBlas = ['OpenBLAS', 'MKL', 'BLIS'].includes(blas?.kind ?? '');
/** The PyTorch child's check that its BLAS kernel (SkylakeX where forced) multiplies right. */
const blasCheck = torchFacts?.blas_check as { max_relative_error: number; ok: boolean } | undefined;
if (blasCheck && !blasCheck.ok) {
  errors.push(`PyTorch's BLAS kernel gave wrong products (max relative error ${blasCheck.max_relative_error.toExponential(1)} ` +
    'against float64): its rates do not count. Unset OPENBLAS_CORETYPE or set it to a kernel this CPU runs.');
}
const machine = {
  date: started.toISOString(),
  cpu: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  avx512f,
  node: process.versions.node,
  seqlab_tree: seqlabTree,
  pinned_cpu: pinCpu,
  load_average_before: loadBefore,
  load_average_after: loadAfter,
  threads: { seqlab: seqlabFacts?.threads ?? null, 'tfjs-wasm': wasmFacts?.wasm_threads ?? null, 'tfjs-cpu': 1,
    pytorch: torchFacts?.threads ?? null },
  seqlab_backend: seqlabFacts ? `${seqlabFacts.backend} (${seqlabFacts.simd})` : null,
  tfjs: (wasmFacts?.tfjs as string | undefined) ?? null,
  tfjs_wasm: wasmFacts ? { simd: wasmFacts.wasm_simd, multithread: wasmFacts.wasm_multithread } : null,
  torch: torch.version ?? null,
  blas: blas ?? null,
  env: { OMP_NUM_THREADS: childEnv.OMP_NUM_THREADS, OPENBLAS_NUM_THREADS: childEnv.OPENBLAS_NUM_THREADS,
    OPENBLAS_CORETYPE: childEnv.OPENBLAS_CORETYPE ?? null },
};

const PEERS: System[] = ['tfjs-wasm', 'tfjs-cpu', 'pytorch'];
/** Median over rounds of seqlab's rate over the peer's, both measured in the same round. */
const ratio = (w: Letter, peer: System): number | null => {
  const each = (roundRates[w] ?? []).flatMap((r) => (r.seqlab && r[peer] ? [r.seqlab / r[peer]!] : []));
  return each.length ? median(each) : null;
};

/** The targets this bench measures (issue 4: A-D, issue 11: E; F as E): [workloads, peer, at least]. */
const TARGETS: [Letter[], System, number][] = [[['A', 'B', 'C'], 'tfjs-wasm', 10], [['A', 'B', 'C', 'E', 'F'], 'pytorch', 0.5],
  [['D'], 'pytorch', 2]];
const targets = TARGETS.flatMap(([ws, peer, min]) => ws.filter((w) => workloads.includes(w)).map((w) => {
  const r = ratio(w, peer);
  return { workload: w, peer, target: min, ratio: r, met: r === null ? null : r >= min };
}));

if (json) {
  const flat = workloads.flatMap((w) => Object.values(results[w] ?? {}).map((r) => ({
    workload: r.workload, system: r.system, threads: r.system === 'tfjs-wasm' ? r.wasm_threads : r.threads,
    [r.unit]: r.rate, repeats: r.repeats, details: r })));
  process.stdout.write(`${JSON.stringify({
    results: flat,
    ratios: workloads.map((w) => ({ workload: w, ...Object.fromEntries(PEERS.map((p) => [`seqlab_over_${p}`, ratio(w, p)])) })),
    rounds: { count: rounds, repeats_per_child: repeats, rates: roundRates },
    targets, pytorch_blas_optimized: torch.ok ? optimizedBlas : null, pytorch_blas_check: blasCheck ?? null, machine, skipped, errors,
    notes: ['tfjs training embeds through a one-hot matmul: the tfjs wasm backend has no UnsortedSegmentSum kernel for ' +
      "tf.gather's gradient (used on both tfjs backends alike)"],
  })}\n`);
} else {
  const f = (x: number | undefined): string => (x === undefined ? '-' : Math.round(x).toLocaleString('en-US'));
  const fr = (x: number | null): string => (x === null ? '-' : `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`);
  const cols = SYSTEMS;
  const lines = [
    `| workload | ${cols.join(' | ')} | ${PEERS.map((p) => `seqlab / ${p}`).join(' | ')} |`,
    `| --- | ${cols.map(() => '---:').join(' | ')} | ${PEERS.map(() => '---:').join(' | ')} |`,
    ...workloads.map((w) => `| ${NAMES[w]} | ${cols.map((s) => f(results[w]?.[s]?.rate)).join(' | ')} | ` +
      `${PEERS.map((p) => fr(ratio(w, p))).join(' | ')} |`),
    '',
    `Rates: median of ${rounds * repeats} repeats per cell (${rounds} rounds, the systems taking turns, ${repeats} ` +
      'repeats each); ratios: median over the rounds of the ratio within a round. Each system in its own process, one thread' +
      `${pinCpu === null ? '' : `, pinned to CPU ${pinCpu} (taskset)`}.`,
    '',
    '| target (issues 4, 11; F as E) | ratio | met |',
    '| --- | ---: | --- |',
    ...targets.map((t) => `| ${t.workload}: seqlab / ${t.peer} ≥ ${t.target}× | ${fr(t.ratio)} | ` +
      `${t.met === null ? 'not measured' : t.met ? 'yes' : 'no'}` +
      `${t.peer === 'pytorch' && t.met !== null && !optimizedBlas ? ` (PyTorch on ${blas?.kind ?? 'an unknown BLAS'}, not AVX-512 OpenBLAS)` : ''} |`),
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores${avx512f ? ' (avx512f)' : ''}, Node ${machine.node}, ` +
      `seqlab tree ${machine.seqlab_tree ?? '?'}, ` +
      `load average ${loadBefore[0].toFixed(2)} before, ${loadAfter[0].toFixed(2)} after; ${machine.date}.`,
    `seqlab: ${machine.seqlab_backend ?? '-'}, ${machine.threads.seqlab ?? '-'} thread. ` +
      `TensorFlow.js ${machine.tfjs ?? '-'}: wasm backend ${machine.threads['tfjs-wasm'] ?? '-'} thread ` +
      `(SIMD ${String(machine.tfjs_wasm?.simd ?? '-')}), cpu backend (plain JS). ` +
      'tfjs training embeds by a one-hot matmul on both backends: tfjs-wasm has no UnsortedSegmentSum for the embedding gradient.',
    torch.ok
      ? `PyTorch ${machine.torch}, ${machine.threads.pytorch ?? '-'} thread, BLAS loaded: ${blas?.kind ?? '?'}` +
        `${blas?.openblas_corename ? ` (core ${blas.openblas_corename})` : ''} [${(blas?.libraries ?? []).join(', ')}]` +
        `${machine.env.OPENBLAS_CORETYPE ? `, OPENBLAS_CORETYPE=${machine.env.OPENBLAS_CORETYPE}` : ''}` +
        `${blasCheck ? `; its products checked against float64: max relative error ${blasCheck.max_relative_error.toExponential(1)} (${blasCheck.ok ? 'correct' : 'WRONG'})` : ''}.` +
        (!optimizedBlas
          ? ' NOTE: not an optimized BLAS, so the PyTorch column is not the "AVX-512 OpenBLAS" peer of the targets ' +
            '(Debian: install libopenblas0-pthread, which takes over libblas.so.3).'
          : '')
      : `PyTorch skipped: ${skipped.pytorch}.`,
    ...Object.entries(skipped).filter(([s]) => s !== 'pytorch').map(([s, why]) => `${s} skipped: ${why}.`),
    ...errors.map((e) => `ERROR: ${e}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
if (errors.length) process.exitCode = 1;
