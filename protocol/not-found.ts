/** Whether a JetStream API error says "not found". */
export function isNotFound(error: unknown): boolean {
  const text = String((error as Error)?.message ?? error);
  return /not found|no message found|10037|10059|10014/i.test(text);
}
