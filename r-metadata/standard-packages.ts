/**
 * The packages that come with R itself, as `tools:::.get_standard_package_names()` lists them
 * (the same for every R 4.x): base packages are part of every installation; recommended ones are
 * built with R but packaged apart by some distributions (Debian's r-recommended).
 */

/** The base packages: always installed with R, never from a repository. */
export const BASE_PACKAGES: ReadonlySet<string> = new Set([
  'base',
  'compiler',
  'datasets',
  'graphics',
  'grDevices',
  'grid',
  'methods',
  'parallel',
  'splines',
  'stats',
  'stats4',
  'tcltk',
  'tools',
  'utils',
]);

/** The recommended packages: installed with R from source, a repository package elsewhere. */
export const RECOMMENDED_PACKAGES: ReadonlySet<string> = new Set([
  'boot',
  'class',
  'cluster',
  'codetools',
  'foreign',
  'KernSmooth',
  'lattice',
  'MASS',
  'Matrix',
  'mgcv',
  'nlme',
  'nnet',
  'rpart',
  'spatial',
  'survival',
]);

/** Whether a dependency on `name` is met by R itself: `R` (a version constraint) or a base package. */
export function providedByR(name: string): boolean {
  return name === 'R' || BASE_PACKAGES.has(name);
}
