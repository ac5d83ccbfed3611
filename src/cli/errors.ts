import { CairnError } from '../primitives/errors.js';

/** Wrong flags or arguments: the message says what to type instead. */
export class UsageError extends CairnError {
  constructor(message: string) {
    super('USAGE', message);
  }
}
