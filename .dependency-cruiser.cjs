/**
 * The import-boundary rules (STYLE.md rules 1 and 3), checked by `npm run lint:imports` in .ci/run.
 * Type-only imports count (tsPreCompilationDeps): a type-only arrow is still an arrow in the picture.
 * Each rule's `comment` is the message a person sees when they break it.
 */
const SERVICES = '^(control-plane|sysreqs|images|protocol|scaler|backup)/';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles (type-only ones included) blur which module owns what; move the shared part into its own module.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'cli-is-a-client',
      severity: 'error',
      comment:
        'cli/ is a client of the HTTP API: it may read the API contract (control-plane/api-types.ts) and the shared formatting, never the server, NATS or the cloud program.',
      from: { path: '^cli/' },
      to: { dependencyTypes: ['local'], pathNot: '^(cli/|control-plane/api-types\\.ts$|control-plane/formatting/)' },
    },
    {
      name: 'nothing-imports-the-cli',
      severity: 'error',
      comment: 'Services do not import the rfarm CLI (only its tests do).',
      from: { pathNot: '^(cli|test)/' },
      to: { path: '^cli/' },
    },
    {
      name: 'services-not-infra',
      severity: 'error',
      comment:
        'control-plane, sysreqs, images, protocol and the scaler never depend on the cloud program (the scaler gets pool limits as configuration): read the catalogue from images/index.ts, talk over NATS or HTTP.',
      from: { path: SERVICES },
      to: { path: '^infra/' },
    },
    {
      name: 'services-not-pulumi',
      severity: 'error',
      comment: 'control-plane, sysreqs, images, protocol and the scaler never import @pulumi/*: they run on hosts that have no Pulumi engine.',
      from: { path: SERVICES },
      to: { path: '(^|/)node_modules/@pulumi/' },
    },
    {
      name: 'protocol-not-services',
      severity: 'error',
      comment: 'protocol/ is the contract both sides import; it never imports the control plane or sysreqs.',
      from: { path: '^protocol/' },
      to: { path: '^(control-plane|sysreqs)/' },
    },
    {
      name: 'infra-not-service-runtime',
      severity: 'error',
      comment: 'infra may import the catalogue (images/index.ts) and nothing that runs in a service.',
      from: { path: '^infra/' },
      to: { path: '^(control-plane|sysreqs|protocol|images|scaler|backup)/', pathNot: '^images/index\\.ts$' },
    },
    {
      name: 'scaler-over-nats',
      severity: 'error',
      comment: 'The scaler reads the farm over NATS (protocol/) and the catalogue (images/index.ts); it never imports the control plane, the agent or sysreqs.',
      from: { path: '^scaler/' },
      to: { path: '^(control-plane|sysreqs|images/agent)/' },
    },
    {
      name: 'backup-over-nats',
      severity: 'error',
      comment: 'The backup service reads the farm over NATS (protocol/) only; it never imports the control plane, the agent, sysreqs or the scaler.',
      from: { path: '^backup/' },
      to: { path: '^(control-plane|sysreqs|images|scaler)/' },
    },
    {
      name: 'control-plane-and-agent-apart',
      severity: 'error',
      comment: 'The control plane and the agent talk over NATS, never through imports.',
      from: { path: '^control-plane/' },
      to: { path: '^images/agent/' },
    },
    {
      name: 'agent-and-control-plane-apart',
      severity: 'error',
      comment: 'The agent and the control plane talk over NATS, never through imports.',
      from: { path: '^images/agent/' },
      to: { path: '^control-plane/' },
    },
    {
      name: 'sysreqs-over-http',
      severity: 'error',
      comment: 'The sysreqs service is reached over HTTP; the control plane and the agent never import it.',
      from: { path: '^(control-plane|images/agent)/' },
      to: { path: '^sysreqs/' },
    },
    {
      name: 'sysreqs-through-entries',
      severity: 'error',
      comment: 'sysreqs reaches other units only through their index.ts: the catalogue (images/index.ts) and R package metadata (r-metadata/index.ts).',
      from: { path: '^sysreqs/' },
      to: { dependencyTypes: ['local'], pathNot: '^(sysreqs/|images/index\\.ts$|r-metadata/index\\.ts$)' },
    },
    {
      name: 'r-metadata-is-a-leaf',
      severity: 'error',
      comment: 'r-metadata/ is pure knowledge about R packages that every service imports; it imports nothing of ours.',
      from: { path: '^r-metadata/' },
      to: { dependencyTypes: ['local'], pathNot: '^r-metadata/' },
    },
    {
      name: 'r-metadata-through-its-entry',
      severity: 'error',
      comment: 'Other units import r-metadata/ only through r-metadata/index.ts, its public entry.',
      from: { pathNot: '^r-metadata/' },
      to: { path: '^r-metadata/', pathNot: '^r-metadata/index\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(\\.farm|\\.test-farm|test/screenshots)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
