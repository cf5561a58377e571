/**
 * `html` tagged templates that escape every interpolated value unless it is already `Html`.
 * Package names, check output and e-mail addresses come from a hostile upload, so escaping is
 * the default and trusting markup is the explicit, greppable exception.
 */

/** Markup that is safe to insert as is: made by `html` or `trustedHtml`. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character]);
}

/** A value as markup: `Html` as is, arrays joined, null/undefined/false as nothing, the rest escaped. */
function render(value: unknown): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/** Builds markup from a template, escaping each interpolation (see `render`). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let text = strings[0];
  values.forEach((value, index) => (text += render(value) + strings[index + 1]));
  return new Html(text);
}

/** Markup written by us, never built from user input (e.g. a constant SVG). */
export function trustedHtml(text: string): Html {
  return new Html(text);
}
