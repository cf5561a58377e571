/**
 * Generates sysreqs/debian-files/<platform>.json.gz — which Debian -dev package ships each linker name
 * (`lib<name>.so`), pkg-config module (`<name>.pc`), configuration tool (`/usr/bin/<name>-config`) and
 * header (`/usr/include/<dir>/<name>.h`, also `.hpp`/`.hxx`/`.hh`, at most one folder deep) — from
 * Debian's own package contents indexes (`dists/<suite>/main/Contents-amd64.gz` and, for the
 * architecture-independent packages such as header-only libraries, `Contents-all.gz`: what apt-file
 * reads). Nothing in it comes from the development set: it is the archive's file lists.
 *
 * It also keeps, for each -dev package, the -dev packages it depends on (from `binary-amd64/Packages.xz`),
 * so that one answered package known to bring another is not installed twice.
 *
 *   npx tsx scripts/sysreqs-debian-files.ts debian-12 bookworm [Contents-amd64.gz Packages.xz Contents-all.gz]
 *
 * Without file arguments the three are downloaded from deb.debian.org (xz must be installed).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { createGunzip, gzipSync } from 'node:zlib';
import { DEBIAN_FILES_DIR, type DebianFileIndexData } from '../sysreqs/debian-files.ts';

const [platform, suite, file, packagesFile, allFile] = process.argv.slice(2);
if (!platform || !suite) {
  console.error(
    'usage: npx tsx scripts/sysreqs-debian-files.ts <platform id, e.g. debian-12> <suite, e.g. bookworm> [Contents-amd64.gz Packages.xz Contents-all.gz]',
  );
  process.exit(2);
}
const url = `http://deb.debian.org/debian/dists/${suite}/main/Contents-amd64.gz`;
const gz = file ? readFileSync(file) : Buffer.from(await (await fetch(url)).arrayBuffer());
// Architecture-independent packages (header-only libraries: libpcg-cpp-dev, libhnswlib-dev, libeigen3-dev) are listed
// in Contents-all, not Contents-amd64.
const allUrl = `http://deb.debian.org/debian/dists/${suite}/main/Contents-all.gz`;
const allGz = allFile ? readFileSync(allFile) : Buffer.from(await (await fetch(allUrl)).arrayBuffer());
const packagesUrl = `http://deb.debian.org/debian/dists/${suite}/main/binary-amd64/Packages.xz`;
const packagesXz = packagesFile ? readFileSync(packagesFile) : Buffer.from(await (await fetch(packagesUrl)).arrayBuffer());
const packagesText = execFileSync('xz', ['-dc'], { input: packagesXz, maxBuffer: 1024 * 1024 * 1024 }).toString('utf8');

/** Only development packages are candidates: runtime libraries ship no headers, .so links or .pc files. */
const isDev = (name: string) => /-dev$/.test(name);
const candidates = {
  libraries: new Map<string, Set<string>>(),
  pkgConfig: new Map<string, Set<string>>(),
  tools: new Map<string, Set<string>>(),
  headers: new Map<string, Set<string>>(),
};
/** R package → the top-level names under its include/ folder, as Debian's r-cran-/r-bioc- packages ship them. */
const rIncludeTops = new Map<string, Set<string>>();
/** Debian package (r-cran-bh) → the R package it installs (BH). */
const rPackageOf = new Map<string, string>();
/** -dev package → the folders it ships under /usr/include. */
const devIncludeTops = new Map<string, Set<string>>();
const add = (map: Map<string, Set<string>>, key: string, packages: string[]) => {
  const set = map.get(key) ?? new Set<string>();
  for (const name of packages) set.add(name);
  map.set(key, set);
};

/** The lines of a gzip-compressed contents index, streamed (Contents-all unpacks to more than a string can hold). */
function contentsLines(compressed: Buffer): AsyncIterable<string> {
  return createInterface({ input: Readable.from([compressed]).pipe(createGunzip()), crlfDelay: Infinity });
}

for await (const line of (async function* () {
  yield* contentsLines(gz);
  yield* contentsLines(allGz);
})()) {
  const match = /^(\S+)\s+(\S+)$/.exec(line);
  if (!match) continue;
  const [, path, locations] = match;
  const packages = locations.split(',').map((location) => location.slice(location.lastIndexOf('/') + 1));
  const dev = packages.filter(isDev);
  let found: RegExpExecArray | null;
  if ((found = /^usr\/lib\/R\/(?:site-)?library\/([^/]+)\/include\/([^/]+)/.exec(path))) add(rIncludeTops, found[1], [found[2]]);
  else if ((found = /^usr\/lib\/R\/(?:site-)?library\/([^/]+)\/DESCRIPTION$/.exec(path))) for (const name of packages) rPackageOf.set(name, found[1]);
  else if ((found = /^usr\/lib\/(?:x86_64-linux-gnu\/)?lib([^/]+)\.(?:so|a)$/.exec(path)) && dev.length) add(candidates.libraries, found[1], dev);
  else if ((found = /^usr\/(?:lib\/(?:x86_64-linux-gnu\/)?|share\/)pkgconfig\/([^/]+)\.pc$/.exec(path)) && dev.length) add(candidates.pkgConfig, found[1], dev);
  else if ((found = /^usr\/bin\/([^/]+[-_]config)$/.exec(path))) add(candidates.tools, found[1], packages);
  else if ((found = /^usr\/include\/(?:x86_64-linux-gnu\/)?((?:[^/]+\/)?[^/]+\.(?:h|hpp|hxx|hh))$/.exec(path)) && dev.length)
    add(candidates.headers, found[1], dev);
  if ((found = /^usr\/include\/(?:x86_64-linux-gnu\/)?([^/]+)/.exec(path)) && found[1] !== 'x86_64-linux-gnu')
    for (const name of dev) add(devIncludeTops, name, [found[1]]);
}

/** Of several packages shipping one file, the plainest: shortest name, then alphabetical. */
const choose = (map: Map<string, Set<string>>) =>
  Object.fromEntries(
    [...map.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, set]) => [key, [...set].sort((a, b) => a.length - b.length || (a < b ? -1 : 1))[0]]),
  );

/** -dev package → the -dev packages its Depends name (every alternative); the same for R packages (r-cran-bh → libboost-dev). */
const devDepends: Record<string, string[]> = {};
const rDevDepends = new Map<string, string[]>();
for (const stanza of packagesText.split('\n\n')) {
  const name = /^Package: (\S+)$/m.exec(stanza)?.[1];
  const depends = /^Depends: (.+)$/m.exec(stanza)?.[1];
  if (!name || !depends || !(isDev(name) || rPackageOf.has(name))) continue;
  const names = depends
    .split(/[,|]/)
    .map((part) => part.trim().split(/[\s:(]/)[0])
    .filter((dep) => isDev(dep) && dep !== name);
  if (names.length && isDev(name)) devDepends[name] = [...new Set(names)].sort();
  else if (names.length) rDevDepends.set(rPackageOf.get(name) as string, names);
}

/**
 * An R package whose Debian copy ships no include/ folder but depends on -dev packages has had its
 * bundled headers replaced by them (r-cran-bh: Boost's headers are libboost-dev's): what it provides
 * to LinkingTo users is what those packages (and theirs) ship under /usr/include.
 */
const TOOLCHAIN = /^(?:libc6|libc6-dev-.*|linux-libc|libgcc-\d+|libstdc\+\+-\d+|libcrypt|libnsl|libtirpc)-dev$/;
for (const [rPackage, depends] of rDevDepends) {
  if (rIncludeTops.has(rPackage)) continue;
  const tops = new Set<string>();
  const seen = new Set<string>();
  for (const queue = [...depends], next = { value: queue.shift() }; next.value !== undefined; next.value = queue.shift()) {
    if (seen.has(next.value) || TOOLCHAIN.test(next.value)) continue;
    seen.add(next.value);
    for (const top of devIncludeTops.get(next.value) ?? []) tops.add(top);
    queue.push(...(devDepends[next.value] ?? []));
  }
  if (tops.size) rIncludeTops.set(rPackage, tops);
}

const data: DebianFileIndexData = {
  platform,
  source: `${url} ${allUrl}`,
  generated: new Date().toISOString().slice(0, 10),
  libraries: choose(candidates.libraries),
  pkgConfig: choose(candidates.pkgConfig),
  tools: choose(candidates.tools),
  headers: choose(candidates.headers),
  rIncludes: Object.fromEntries([...rIncludeTops.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, tops]) => [name, [...tops].sort()])),
  devDepends: Object.fromEntries(Object.entries(devDepends).sort(([a], [b]) => (a < b ? -1 : 1))),
};
const out = `${DEBIAN_FILES_DIR}/${platform}.json.gz`;
writeFileSync(out, gzipSync(JSON.stringify(data), { level: 9 }));
console.log(
  `${out}: ${Object.keys(data.libraries).length} libraries, ${Object.keys(data.pkgConfig).length} pkg-config modules, ${Object.keys(data.tools).length} tools, ${Object.keys(data.headers).length} headers, ${Object.keys(data.devDepends).length} -dev packages' dependencies`,
);
