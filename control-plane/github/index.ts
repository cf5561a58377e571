/** The public entry of `control-plane/github/`: the farm as a GitHub App. */
export { GitHubIntegration, type Delivery, type DeliveryOutcome, type GitHubIntegrationDeps } from './github-integration.ts';
export { GITHUB_DEFAULT_PLATFORMS } from './ci-platforms.ts';
export { CONFIG_FILE, readRepositoryConfig, RepositoryConfigError, type RepositoryConfig } from './repository-config.ts';
