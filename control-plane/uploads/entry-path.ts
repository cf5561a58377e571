/**
 * The safety rules for one tar entry's name and type, before anything else looks at it. Nothing is
 * ever extracted here, but the farm's workers will extract the same archive, so whatever could
 * escape or surprise an extraction is refused.
 */
import type { Header } from 'tar-stream';
import { errors } from '../errors.ts';

/** An entry that passed the checks: its path split into segments, without `.` or empty ones. */
export interface SafeEntry {
  readonly segments: readonly string[];
  readonly isDirectory: boolean;
}

// C0 controls and DEL: NUL can truncate a name in C code, a newline breaks logs and scripts.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** Checks one header's name and type; throws `unsafe_archive_entry` saying why it is refused. */
export function checkEntry(header: Pick<Header, 'name' | 'type'>): SafeEntry {
  const name = header.name;
  const shown = JSON.stringify(name).slice(1, -1);
  if (name === '') throw errors.unsafeEntry(shown, 'its name is empty');
  if (name.includes('\u0000')) throw errors.unsafeEntry(shown, 'its name contains a NUL byte');
  if (CONTROL_CHARACTER.test(name)) throw errors.unsafeEntry(shown, 'its name contains a control character');
  if (name.includes('\\')) throw errors.unsafeEntry(shown, 'its name contains a backslash');
  if (name.startsWith('/')) throw errors.unsafeEntry(shown, 'its path is absolute');
  const segments = name.split('/').filter((segment: string) => segment !== '' && segment !== '.');
  if (segments.includes('..')) throw errors.unsafeEntry(shown, "its path has a '..' segment, which could point outside the package");
  // tar-stream reports a type it does not know as null (its typings say otherwise): refuse it.
  const type: string | null = header.type ?? null;
  if (type !== 'file' && type !== 'directory') throw errors.unsafeEntry(shown, `it is a ${describeType(type)}, not a plain file or directory`);
  if (segments.length === 0 && type !== 'directory') throw errors.unsafeEntry(shown, 'its name is not a file path');
  return { segments, isDirectory: type === 'directory' };
}

function describeType(type: string | null): string {
  switch (type) {
    case 'symlink':
      return 'symbolic link';
    case 'link':
      return 'hard link';
    case null:
      return 'tar entry of a type this farm does not know';
    default:
      return type.replace(/-/g, ' ');
  }
}
