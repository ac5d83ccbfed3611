/**
 * The transaction pool (Part D): the chain layer's front door to it. The
 * implementation lives in ./mempool/.
 */
export {
  Mempool,
  type AccountReader,
  type AddResult,
  type HeadChange,
  type MempoolContent,
  type MempoolLimits,
  type MempoolOptions,
  type MempoolStats,
} from './mempool/pool.js';
export type { JournalSink } from './mempool/journal-writer.js';
