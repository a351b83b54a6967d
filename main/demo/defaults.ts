/** Default folder of the demo workspace, relative to the working directory (`se-attest demo`, `npm start -- --demo`). */
export const DEFAULT_DEMO_DIR = 'se-attest-demo';
