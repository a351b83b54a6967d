/** Types of scripts/build-cli.mjs for TypeScript callers (tests, bench). */
export declare function isBundledPackage(name: string): boolean;
export declare function lazyCommandModules(): string[];
/** The bundle's entry file, in dist/cli. */
export declare const ENTRY: string;
export declare function buildCli(options?: { outdir?: string }): Promise<{
  /** The entry file's path. */
  entry: string;
  /** For each script of the bundle (path relative to the bundle directory), the packages bundled into it. */
  packages: Record<string, string[]>;
}>;
