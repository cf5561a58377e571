/**
 * Splits free-text `SystemRequirements` into items a rule can match one by one, so the text no rule
 * understands can be reported item by item. Pure.
 */

/** One item of a SystemRequirements field. */
export interface RequirementItem {
  /** The item as written (trimmed). */
  readonly text: string;
  /** Whether the item says it is optional ("zlib (optional)"). */
  readonly optional: boolean;
}

/**
 * Splits at commas, semicolons, newlines, ampersands and sentence ends that are outside parentheses,
 * brackets and URLs. "libxml2 (>= 2.6.3), GNU make" gives two items.
 */
export function splitRequirements(text: string): RequirementItem[] {
  const items: string[] = [];
  const open: string[] = [];
  const closerOf: Record<string, string> = { '(': ')', '[': ']', '<': '>' };
  let current = '';
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    const opensUrl = char === '<' && /^<\s*(?:https?|ftp|www)/i.test(text.slice(index, index + 8));
    if (char === '(' || char === '[' || opensUrl) open.push(closerOf[char]);
    else if (open.length > 0 && char === open[open.length - 1]) open.pop();
    const sentenceEnd = char === '.' && /^\s+[A-Z]/.test(text.slice(index + 1, index + 4));
    if (open.length === 0 && (char === ',' || char === ';' || char === '\n' || char === '&' || sentenceEnd)) {
      items.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  items.push(current);
  return items
    .map((item) => item.replace(/\s+/g, ' ').trim().replace(/^(?:and|or)\s+/i, '').replace(/[.]$/, '').trim())
    .filter((item) => item.length > 0)
    .map((item) => ({ text: item, optional: /\boptional\b/i.test(item) }));
}
