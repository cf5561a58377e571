/**
 * Splits free-text `SystemRequirements` into items a rule can match one by one, so the text no rule
 * understands can be reported item by item. Pure.
 */

/** One item of a SystemRequirements field. */
export interface RequirementItem {
  /** The item as written (trimmed). */
  readonly text: string;
  /**
   * Whether the item says it is optional or not needed to build: "zlib (optional)", "libpng if
   * available", "pandoc (needed for vignettes)", "Java at run time".
   */
  readonly optional: boolean;
  /**
   * What rules are matched on, in order of preference: the item's requirement phrase — its head when
   * the item is a sentence ("cmake which is used only when …" → "cmake") — split at "or" / "|" into
   * alternatives ("Windows or X11" → ["Windows", "X11"]). One element when there are no alternatives.
   */
  readonly alternatives: readonly string[];
  /**
   * Distribution package names the item spells out anywhere, even inside prose ("these can be
   * installed as libprotoc-dev"): naming a package is a requirement, not a word in a sentence.
   */
  readonly packageNames: readonly string[];
}

const DISTRIBUTION_PACKAGE = /\b[a-z0-9][a-z0-9.+]*(?:-[a-z0-9.+]+)*-(?:dev|devel)\b/g;

/** Verbs by which a package says what it needs: "git2r uses a system libgit2". */
const NEEDS_VERB = /^(?:uses|use|needs|need|requires|require|links|link)$/i;

const OPTIONAL =
  /\boptional(?:ly)?\b|\bif (?:available|present|found|installed)\b|\brecommended\b|\bsuggested\b|\bvignettes?\b|\bfor (?:the )?(?:tests?|testing|documentation|docs|examples|manuals?)\b|\bat run[- ]?time\b|\bnot (?:needed|required) (?:for|to) (?:build|install)/i;

/** Words that start the sentence part of an item: what comes before them names the requirement. */
const PROSE_MARKER =
  /^(?:is|are|was|were|be|being|which|that|who|when|if|unless|uses|use|used|using|needs|need|needed|requires|require|required|builds|build|built|can|could|will|would|may|might|must|should|see|via|because|since|otherwise|however|e\.g\.|i\.e\.)$/i;

/** "or later", "or newer" and the like are not alternatives. */
const NOT_AN_ALTERNATIVE = /^(?:later|newer|higher|above|greater|similar|equivalent|compatible|so|more)\b/i;

/** Start and end offsets of the separators `cutAt` recognises outside parentheses and brackets. */
function topLevelCuts(text: string, cutAt: (index: number) => number): number[] {
  const cuts: number[] = [];
  let depth = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === '(' || char === '[') depth++;
    else if ((char === ')' || char === ']') && depth > 0) depth--;
    else if (depth === 0) {
      const length = cutAt(index);
      if (length > 0) {
        cuts.push(index, index + length);
        index += length - 1;
      }
    }
  }
  return cuts;
}

/**
 * The item's requirement phrase: the words before the first prose marker outside parentheses — or,
 * when those words are the package itself ("git2r uses …", "it requires …"), what it says it needs.
 */
export function requirementPhrase(text: string, packageName = ''): string {
  const words = [...text.matchAll(/\S+/g)];
  let depth = 0;
  for (const [position, word] of words.entries()) {
    const bare = word[0].replace(/[,.;:]+$/, '');
    if (depth === 0 && position > 0 && PROSE_MARKER.test(bare)) {
      const head = text.slice(0, word.index).trim();
      const subject = head.replace(/^by default,?\s*/i, '').toLowerCase();
      const isPackage = subject === packageName.toLowerCase() || /^(?:it|this|this package|the package)$/.test(subject);
      if (isPackage && NEEDS_VERB.test(bare)) return requirementPhrase(text.slice((word.index ?? 0) + word[0].length).trim(), packageName);
      return head;
    }
    depth += (word[0].match(/[([]/g) ?? []).length - (word[0].match(/[)\]]/g) ?? []).length;
    if (depth < 0) depth = 0;
  }
  return text;
}

/** Splits a phrase at top-level "or" and "|" into alternatives ("or later" is not one). */
export function alternativesOf(phrase: string): string[] {
  const cuts = topLevelCuts(phrase, (index) => {
    if (phrase[index] === '|') return 1;
    const match = /^\s+or\s+/i.exec(phrase.slice(index));
    if (!match || NOT_AN_ALTERNATIVE.test(phrase.slice(index + match[0].length))) return 0;
    return match[0].length;
  });
  const parts: string[] = [];
  let start = 0;
  for (let index = 0; index < cuts.length; index += 2) {
    parts.push(phrase.slice(start, cuts[index]));
    start = cuts[index + 1];
  }
  parts.push(phrase.slice(start));
  return parts.map((part) => part.trim()).filter((part) => part.length > 0);
}

/**
 * Splits at commas, semicolons, newlines, ampersands and sentence ends that are outside parentheses,
 * brackets and URLs. "libxml2 (>= 2.6.3), GNU make" gives two items. `packageName` is the package
 * whose text this is, so "<package> uses X" reads as a requirement of X.
 */
export function splitRequirements(text: string, packageName = ''): RequirementItem[] {
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
    .map((item) =>
      item
        .replace(/\s+/g, ' ')
        .trim()
        .replace(/^(?:and|or)\s+/i, '')
        .replace(/[.]$/, '')
        .trim(),
    )
    .filter((item) => item.length > 0)
    .map((item) => ({
      text: item,
      optional: OPTIONAL.test(item),
      alternatives: alternativesOf(requirementPhrase(item, packageName)),
      packageNames: [...new Set(item.match(DISTRIBUTION_PACKAGE) ?? [])],
    }));
}
