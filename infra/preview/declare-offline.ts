/**
 * Runs the Pulumi program of one stack without the engine or any cloud: reads the real stack file
 * (stacks/Pulumi.<stack>.yaml), feeds stand-in secrets, runs `infra/index.ts` under mocks and
 * returns what it declared. Used by the tests and by the cost estimate.
 */
import * as pulumi from '@pulumi/pulumi';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { recordingMocks, type DeclaredLookup, type DeclaredOptions, type DeclaredResource } from './offline-mocks.ts';
import { placeholderSecrets } from './placeholder-secrets.ts';

/** What one offline run declared. */
export interface OfflineRun {
  readonly stack: string;
  /** Plain config of the stack file, keyed `namespace:key`. */
  readonly config: Record<string, unknown>;
  readonly resources: DeclaredResource[];
  readonly lookups: DeclaredLookup[];
  /** Stack outputs, resolved. */
  readonly outputs: Record<string, any>;
}

/** The `config:` block of a stack file. */
export function readStackFile(repoRoot: string, stack: string): Record<string, unknown> {
  const document = parse(readFileSync(join(repoRoot, 'stacks', `Pulumi.${stack}.yaml`), 'utf8')) as { config?: Record<string, unknown> };
  return document.config ?? {};
}

/** Pulumi passes structured config to programs as JSON text. */
function asConfigValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function resolve<T>(value: T): Promise<pulumi.Unwrap<T>> {
  return new Promise((done) =>
    pulumi.output(value).apply((resolved) => {
      done(resolved as pulumi.Unwrap<T>);
      return resolved;
    }),
  );
}

async function settle(resources: readonly unknown[]): Promise<void> {
  let seen = -1;
  let quietRounds = 0;
  while (quietRounds < 5) {
    await new Promise((done) => setTimeout(done, 20));
    quietRounds = resources.length === seen ? quietRounds + 1 : 0;
    seen = resources.length;
  }
}

/** Declares `stack` under mocks; `secrets` replaces the stand-ins (keys `rfarm:<key>`). */
export async function declareOffline(repoRoot: string, stack: string, secrets: Record<string, string> = placeholderSecrets()): Promise<OfflineRun> {
  const resources: DeclaredResource[] = [];
  const lookups: DeclaredLookup[] = [];
  const config = readStackFile(repoRoot, stack);
  await pulumi.runtime.setMocks(recordingMocks(resources, lookups), 'rfarm', stack, false);
  const plain = Object.fromEntries(
    Object.entries(config)
      .filter(([, value]) => !(value && typeof value === 'object' && 'secure' in value))
      .map(([key, value]) => [key, asConfigValue(value)]),
  );
  pulumi.runtime.setAllConfig({ ...plain, ...secrets }, Object.keys(secrets));
  const program = await import('../index.ts');
  const options = new Map<string, DeclaredOptions>();
  let outputs: Record<string, any> = {};
  // Inside a root stack resource, as the engine runs it, so that a stack transformation sees every resource's options.
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      options.set(`${args.type}::${args.name}`, {
        ignoreChanges: [...(args.opts.ignoreChanges ?? [])],
        replaceOnChanges: [...(args.opts.replaceOnChanges ?? [])],
        deleteBeforeReplace: (args.opts as pulumi.CustomResourceOptions).deleteBeforeReplace ?? false,
      });
      return undefined;
    });
    outputs = (await resolve(await program.default())) as Record<string, any>;
    return undefined;
  });
  await settle(resources);
  const declared = resources.map((resource) => ({ ...resource, options: options.get(`${resource.type}::${resource.name}`) }));
  return { stack, config, resources: declared, lookups, outputs };
}
