/**
 * The clock every bench process stamps events with: CLOCK_MONOTONIC in ms (sub-ms fraction).
 * `process.hrtime` reads the same system-wide monotonic clock in every process on the machine
 * (Linux clock_gettime, macOS mach_absolute_time, Windows QueryPerformanceCounter), so a time
 * taken in the simulator and one taken in the load generator subtract exactly. The alternative,
 * `performance.timeOrigin + performance.now()`, adds each process's wall-clock reading at start
 * and can disagree across processes by that reading's error (and by any NTP step in between).
 */
export const sharedNowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
