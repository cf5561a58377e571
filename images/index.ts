/** The public entry of `images/`: the platform catalogue, host detection and the Linux image recipe, pure data and functions. */
export * from './platforms/catalogue.ts';
export * from './platforms/host-platform.ts';
export * from './linux/image-recipe.ts';
export * from './linux/agent-container.ts';
