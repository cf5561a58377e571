/** The prover's table and summary, for the terminal and the README. Pure. */
import type { PackageProof } from './prover.ts';

/** Counts over the packages that were built. */
export interface ProofSummary {
  readonly packages: number;
  /** Packages with a source that was built at least once. */
  readonly tried: number;
  /** Built with only the resolver's answer. */
  readonly builtWithAnswer: number;
  /** Failed with the answer for a missing system requirement. */
  readonly missingWithAnswer: number;
  /** Failed with the answer for another reason (not counted against sysreqs). */
  readonly otherWithAnswer: number;
  /** Built with no system requirements at all. */
  readonly neededNothing: number;
  /** Built without sysreqs although the answer adds something the image lacked: not needed. */
  readonly overInstalled: number;
  /** builtWithAnswer / (builtWithAnswer + missingWithAnswer). */
  readonly buildRate: number;
  readonly seconds: number;
}

/** What the answer installs beyond what the image already had. */
function added(proof: PackageProof): readonly string[] {
  const present = new Set(proof.withAnswer?.alreadyInstalled ?? []);
  return proof.answer.filter((name) => !present.has(name));
}

/** Summarises proofs. */
export function summarise(proofs: readonly PackageProof[]): ProofSummary {
  const tried = proofs.filter((proof) => proof.withAnswer);
  const count = (test: (proof: PackageProof) => boolean) => tried.filter(test).length;
  const builtWithAnswer = count((proof) => proof.withAnswer?.outcome === 'built');
  const missingWithAnswer = count((proof) => proof.withAnswer?.outcome === 'missing system requirement');
  return {
    packages: proofs.length,
    tried: tried.length,
    builtWithAnswer,
    missingWithAnswer,
    otherWithAnswer: count((proof) => proof.withAnswer?.outcome === 'other failure'),
    neededNothing: count((proof) => proof.withoutSysreqs?.outcome === 'built'),
    overInstalled: count((proof) => proof.withoutSysreqs?.outcome === 'built' && added(proof).length > 0),
    buildRate: builtWithAnswer + missingWithAnswer === 0 ? 0 : builtWithAnswer / (builtWithAnswer + missingWithAnswer),
    seconds: tried.reduce(
      (sum, proof) => sum + (proof.withoutSysreqs?.seconds ?? 0) + (proof.withAnswer !== proof.withoutSysreqs ? (proof.withAnswer?.seconds ?? 0) : 0),
      0,
    ),
  };
}

function cell(result: PackageProof['withAnswer']): string {
  if (!result) return '–';
  if (result.outcome === 'built') return 'built';
  return `${result.outcome === 'missing system requirement' ? 'missing' : 'other'}: ${result.what ?? result.line ?? ''}`.replace(/\|/g, '/');
}

/** A Markdown table: one row per package, then the summary. */
export function proofTable(proofs: readonly PackageProof[], image: string): string {
  const rows = proofs.map((proof) => {
    if (proof.skipped) return `| ${proof.package} | – | – | – | – | not built: ${proof.skipped.replace(/\|/g, '/')} |`;
    const present = proof.withAnswer?.alreadyInstalled ?? [];
    const over = proof.withoutSysreqs?.outcome === 'built' && added(proof).length > 0 ? `over-install: ${added(proof).join(' ')}` : '';
    const note = [present.length ? `already in the image: ${present.join(' ')}` : '', over].filter(Boolean).join('; ');
    return `| ${proof.package} | ${proof.version}${proof.repacked ? ' (Debian repack)' : ''} | ${proof.answer.join(' ') || '(nothing)'} | ${cell(proof.withoutSysreqs)} | ${cell(proof.withAnswer)} | ${note} |`;
  });
  const summary = summarise(proofs);
  return [
    `Proof by building on ${image}:`,
    '',
    '| package | source | resolver answer | no sysreqs | with answer | note |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    `${summary.builtWithAnswer} of ${summary.builtWithAnswer + summary.missingWithAnswer} built with only the answer (build rate ${(summary.buildRate * 100).toFixed(0)} %); ` +
      `${summary.missingWithAnswer} missing a system requirement; ${summary.otherWithAnswer} failed for other reasons (not counted); ` +
      `${summary.neededNothing} built with nothing installed; ${summary.overInstalled} got an answer they did not need; ${Math.round(summary.seconds)} s of builds.`,
  ].join('\n');
}
