/** Types of scripts/build-renderer.mjs for TypeScript callers (tests). */
export declare const RENDERER_CSP: string;
export declare function buildRenderer(options?: {
  dev?: boolean;
  outdir?: string;
  preload?: boolean;
}): Promise<{ outdir: string; preloadOut: string | undefined }>;
