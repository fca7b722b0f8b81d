/** What test/web/pool-entry.ts posts back to the page: the pool it got and what it computed. */
export interface PoolReport {
  /** The page's crossOriginIsolated (shared memory needs it). */
  isolated: boolean;
  /** Threads the backend settled on after setThreads(2). */
  threads: number;
  /** Whether the split GEMM and LSTM layer equal one thread's, bit for bit. */
  gemmEqual: boolean;
  lstmEqual: boolean;
  error?: string;
}
