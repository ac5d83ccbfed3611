import type { SystemModule } from '../ledger/modules/module.js';
import { createSupplyModule } from '../ledger/modules/supply/index.js';

/**
 * The system modules every chain runs, whatever its engine (which adds its
 * own, e.g. PoS staking). Every place that executes blocks must pass the
 * same list, or it computes another state root.
 */
export function chainModules(): SystemModule[] {
  return [createSupplyModule()];
}
