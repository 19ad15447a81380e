// What the dashboard's overview charts read.

/** One minute of the dashboard's charts: every hub and kind added up. */
export interface MinutePoint {
  /** Epoch ms of the minute's start. */
  minute: number;
  jobsCreated: number;
  jobsSucceeded: number;
  jobsFailed: number;
  claims: number;
  claimsByKind: Record<string, number>;
  /** Dispatch latency (ready to leased) of the minute's claims; null without claims. */
  dispatchP50Ms: number | null;
  dispatchP99Ms: number | null;
}
