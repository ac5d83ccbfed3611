import { CairnError } from '../../primitives/errors.js';

/** The node answered that it knows no item of this id. */
export class ItemNotFoundError extends CairnError {
  constructor(readonly id: string) {
    super('SUPPLY_ITEM_NOT_FOUND', `item ${JSON.stringify(id)} does not exist on this node (ids are case-sensitive; "cairn supply list" shows the items)`);
  }
}
