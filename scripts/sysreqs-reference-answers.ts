/**
 * The reference public database's answers (github.com/rstudio/r-system-requirements, its `rules/*.json`)
 * for R source tarballs, computed the way its clients match: every rule whose patterns match the
 * DESCRIPTION's SystemRequirements text (case-insensitive) gives its packages for the distribution and
 * release. Written as `{"<R package>": ["deb-pkg", …]}` for `npm run sysreqs:prove -- --answers`, so the
 * reference goes through the same build harness as the resolver.
 *
 *   npx tsx scripts/sysreqs-reference-answers.ts <rules dir> debian 12 <out.json> <pkg.tar.gz>…
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { parseDescription } from '../sysreqs/description.ts';
import { readSourceArchive } from '../sysreqs/source-archive.ts';

interface ReferenceRule {
  readonly patterns: readonly string[];
  readonly dependencies: ReadonlyArray<{
    packages: readonly string[];
    constraints: ReadonlyArray<{ os: string; distribution?: string; versions?: readonly string[] }>;
  }>;
}

const [rulesDir, distribution, release, out, ...tarballs] = process.argv.slice(2);
if (!rulesDir || !distribution || !release || !out) {
  console.error('usage: npx tsx scripts/sysreqs-reference-answers.ts <rules dir> <distribution> <release> <out.json> <pkg.tar.gz>…');
  process.exit(2);
}
const rules: ReferenceRule[] = readdirSync(rulesDir)
  .filter((name) => name.endsWith('.json'))
  .map((name) => JSON.parse(readFileSync(`${rulesDir}/${name}`, 'utf8')) as ReferenceRule);

function answer(systemRequirements: string): string[] {
  const packages = new Set<string>();
  for (const rule of rules) {
    if (!rule.patterns.some((pattern) => new RegExp(pattern, 'i').test(systemRequirements))) continue;
    for (const dependency of rule.dependencies) {
      const applies = dependency.constraints.some((c) => c.os === 'linux' && c.distribution === distribution && (!c.versions || c.versions.includes(release)));
      if (applies) for (const name of dependency.packages) packages.add(name);
    }
  }
  return [...packages];
}

const answers: Record<string, string[]> = {};
for (const tarball of tarballs) {
  const record = parseDescription((await readSourceArchive(readFileSync(tarball))).description);
  answers[record.name] = answer(record.systemRequirements);
}
writeFileSync(out, JSON.stringify(answers, null, 1));
console.log(`${out}: ${Object.keys(answers).length} packages, ${Object.values(answers).filter((list) => list.length > 0).length} with an answer`);
