/** Expecting nats-server to refuse an operation for want of permission, as the permission tests do. */
import * as assert from 'uvu/assert';

/** Resolves with the refusal's text, or fails the test when the operation went through or failed for another reason. */
export async function refused(operation: () => Promise<unknown>): Promise<string> {
  try {
    await operation();
  } catch (error) {
    const text = String((error as Error).message);
    assert.match(text, /permission|authorization/i, `refused for another reason: ${text}`);
    return text;
  }
  assert.unreachable('the operation was allowed');
  return '';
}
