/**
 * DESCRIPTION bytes to text, as R reads them: in the encoding the `Encoding` field declares, UTF-8
 * when it declares none. CRAN accepts UTF-8 and latin1; cp1252, latin1's Windows superset, is read as
 * latin1 (its 0x80-0x9F characters come out as C1 controls: Node's TextDecoder has no true cp1252).
 */
import { DescriptionError } from './description-error.ts';

const LATIN1_NAMES = new Set(['latin1', 'latin-1', 'iso-8859-1', 'iso8859-1', 'iso_8859-1', 'cp1252', 'windows-1252']);
const ENCODING_FIELD = /^Encoding:[ \t]*(\S*)/m;

/** How to read a text that is not valid UTF-8 and declares no encoding. */
export interface DecodeOptions {
  /**
   * Read it as latin1 (every byte is a character) instead of refusing it: for readers that need only
   * ASCII fields, such as SystemRequirements, and would rather not refuse a file R CMD check only warns
   * about. Default false.
   */
  readonly undeclaredAsLatin1?: boolean;
}

/**
 * Decodes a DESCRIPTION: latin1 when it declares so (or cp1252), otherwise strict UTF-8, a byte order
 * mark dropped. Throws `DescriptionError` on a NUL byte or on text that is not valid in its encoding.
 */
export function decodeDescription(bytes: Uint8Array, options: DecodeOptions = {}): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.includes(0)) throw new DescriptionError('it contains a NUL byte; DESCRIPTION must be a text file');
  // latin1 maps every byte to one character, so the Encoding field can be read before we know it.
  const declared = ENCODING_FIELD.exec(buffer.toString('latin1'))?.[1]?.toLowerCase();
  if (declared && LATIN1_NAMES.has(declared)) return buffer.toString('latin1');
  try {
    // TextDecoder drops a leading byte order mark by default, which is what we want.
    return new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch {
    if (!declared && options.undeclaredAsLatin1) return buffer.toString('latin1');
    const hint = declared && declared !== 'utf-8' && declared !== 'utf8' ? ` (this farm reads only UTF-8 and latin1, not '${declared}')` : '';
    throw new DescriptionError(`its text is not valid UTF-8; declare Encoding: latin1 or re-save it as UTF-8${hint}`);
  }
}
