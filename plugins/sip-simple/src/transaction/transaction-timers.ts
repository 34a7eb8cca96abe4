/** SIP timer base values (RFC 3261 §17, table 4), in milliseconds. */
export interface TransactionTimers {
  /** RTT estimate: first retransmission interval. */
  readonly t1: number;
  /** Cap of the non-INVITE retransmission interval. */
  readonly t2: number;
  /** How long a message may stay in the network: timer K. */
  readonly t4: number;
}

export const RFC3261_TIMERS: TransactionTimers = { t1: 500, t2: 4000, t4: 5000 };
