/** The public entry of `images/`: the platform catalogue and host detection, pure data and functions. */
export * from './platforms/catalogue.ts';
export * from './platforms/host-platform.ts';
