/**
 * The one error of this unit: a DESCRIPTION (or PACKAGES) text that cannot be read. Each service turns
 * it into its own catalogued error at its edge, keeping the message, which says what to change.
 */
export class DescriptionError extends Error {
  override readonly name = 'DescriptionError';

  /** @param line The 1-based line the problem is on, when there is one. */
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}
