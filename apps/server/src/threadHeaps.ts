import { setFlagsFromString } from 'node:v8';

/** Clears the process-wide young-generation size for isolates made from now on. */
export const CLEAR_SEMI_SPACE_FLAG = '--max-semi-space-size=0';

/**
 * Lets each worker thread size its own young generation. `npm start` gives the event loop a 32 MB
 * semi-space (`--max-semi-space-size`): it makes most of the garbage and scavenges less often
 * with it. V8 flags are process-wide, though, and that one overrides a worker's
 * `resourceLimits`: every thread (the file threads, the Graph transport) grew 64 MB of young
 * generation too (54 MB measured on the transport thread under the benchmark). The event loop's
 * heap is configured by the time this runs, so clearing the flag changes only the threads.
 */
export function letThreadsSizeTheirHeaps(): void {
  setFlagsFromString(CLEAR_SEMI_SPACE_FLAG);
}
