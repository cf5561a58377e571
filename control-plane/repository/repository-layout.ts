/**
 * Where files go in the farm's CRAN-like repository, as pure functions. Source packages live in
 * `src/contrib/` as on CRAN; binaries in the tree R itself looks in for their platform:
 *
 * - Windows: `bin/windows/contrib/<R x.y>/<pkg>_<ver>.zip`
 * - macOS: `bin/macosx/big-sur-<arch>/contrib/<R x.y>/<pkg>_<ver>.tgz` (R ≥ 4.3; older x86_64 R
 *   uses `bin/macosx/contrib/<R x.y>/`)
 * - Linux: `__linux__/<distribution>-<release>-<arch>/<R x.y>/src/contrib/<pkg>_<ver>.tar.gz`, a
 *   repository of its own, as Posit Package Manager serves Linux binaries: R installs them with
 *   `type = "source"` and notices they are built. The R version is in the path where Posit reads
 *   it from the User-Agent, so plain `repos =` URLs and caches work.
 */
import type { OperatingSystem } from '../../images/index.ts';

/** The index files `tools::write_PACKAGES` writes into each tree. */
export const INDEX_NAMES = ['PACKAGES', 'PACKAGES.gz', 'PACKAGES.rds'] as const;
export type IndexName = (typeof INDEX_NAMES)[number];

/** `tools::write_PACKAGES(type = )` of a tree. */
export type PackageType = 'source' | 'win.binary' | 'mac.binary';

/** The source tree. */
export const SOURCE_TREE = 'src/contrib';

/** What decides where a binary goes. */
export interface BinaryPlatform {
  readonly os: OperatingSystem;
  readonly arch: string;
  /** Distribution id and release (Linux), e.g. debian / 12. */
  readonly distribution: { readonly name: string; readonly release: string };
  /** R's version, "4.2.2" or "R 4.2.2". */
  readonly rVersion: string;
}

/** A file's place in the repository. */
export interface RepositoryPlace {
  /** The directory holding the file and its index, e.g. "src/contrib". */
  readonly tree: string;
  /** Full path inside the repository. */
  readonly path: string;
  readonly type: PackageType;
}

function minor(rVersion: string): string {
  const match = /(\d+)\.(\d+)/.exec(rVersion);
  if (!match) throw new Error(`cannot read an R version from '${rVersion}'`);
  return `${match[1]}.${match[2]}`;
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9._]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function place(tree: string, file: string, type: PackageType): RepositoryPlace {
  return { tree, path: `${tree}/${file}`, type };
}

/** Where a source package goes. */
export function sourcePlace(packageName: string, version: string): RepositoryPlace {
  return place(SOURCE_TREE, `${packageName}_${version}.tar.gz`, 'source');
}

/** The tree R on `platform` reads binaries from; null where the farm keeps no binaries (Solaris). */
export function binaryTree(platform: BinaryPlatform): { tree: string; type: PackageType; extension: string } | null {
  const r = minor(platform.rVersion);
  switch (platform.os) {
    case 'windows':
      return { tree: `bin/windows/contrib/${r}`, type: 'win.binary', extension: '.zip' };
    case 'macos': {
      const [major, minorNumber] = r.split('.').map(Number);
      const bigSur = major > 4 || (major === 4 && minorNumber >= 3) || platform.arch === 'arm64';
      const arch = platform.arch === 'arm64' ? 'arm64' : 'x86_64';
      return { tree: bigSur ? `bin/macosx/big-sur-${arch}/contrib/${r}` : `bin/macosx/contrib/${r}`, type: 'mac.binary', extension: '.tgz' };
    }
    case 'linux': {
      const distribution = `${slug(platform.distribution.name)}-${slug(platform.distribution.release)}-${slug(platform.arch)}`;
      return { tree: `__linux__/${distribution}/${r}/src/contrib`, type: 'source', extension: '.tar.gz' };
    }
    case 'solaris':
      return null;
  }
}

/** Where a binary package goes, under the file name R expects there. */
export function binaryPlace(packageName: string, version: string, platform: BinaryPlatform): RepositoryPlace | null {
  const target = binaryTree(platform);
  return target ? place(target.tree, `${packageName}_${version}${target.extension}`, target.type) : null;
}

/** Whether an artifact name is the binary package R CMD INSTALL --build made for this package. */
export function isBinaryArtifact(name: string, packageName: string, version: string): boolean {
  const stem = `${packageName}_${version}`;
  return (name.startsWith(`${stem}_R_`) && name.endsWith('.tar.gz')) || name === `${stem}.zip` || name === `${stem}.tgz`;
}

const TREE_SHAPES = [
  /^src\/contrib$/,
  /^bin\/windows\/contrib\/\d+\.\d+$/,
  /^bin\/macosx\/(?:[a-z0-9-]+\/)?contrib\/\d+\.\d+$/,
  /^__linux__\/[a-z0-9._-]+\/\d+\.\d+\/src\/contrib$/,
];

/** A request path inside /repo/, read. */
export type RepositoryRequest =
  { readonly kind: 'index'; readonly tree: string; readonly name: IndexName } | { readonly kind: 'file'; readonly path: string } | { readonly kind: 'invalid' };

/** Reads a path under /repo/ (without the prefix): an index of a tree, a package file, or nonsense. */
export function readRepositoryPath(path: string): RepositoryRequest {
  const segments = path.split('/');
  if (!/^[A-Za-z0-9._+/-]{1,400}$/.test(path) || segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    return { kind: 'invalid' };
  }
  const name = segments[segments.length - 1];
  const tree = segments.slice(0, -1).join('/');
  if (!TREE_SHAPES.some((shape) => shape.test(tree))) return { kind: 'invalid' };
  if ((INDEX_NAMES as readonly string[]).includes(name)) return { kind: 'index', tree, name: name as IndexName };
  return { kind: 'file', path };
}

/** Content type of a repository file by its name. */
export function contentTypeOf(name: string): string {
  if (name === 'PACKAGES') return 'text/plain; charset=utf-8';
  if (name.endsWith('.gz') || name.endsWith('.tgz')) return 'application/gzip';
  if (name.endsWith('.zip')) return 'application/zip';
  return 'application/octet-stream';
}
