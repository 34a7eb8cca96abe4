/**
 * Fixed loopback ports of the benchmark (26100-26199), so a stray process is easy to find and
 * the hub's UDP socket can be looked up in `/proc/net/udp` for its own drop counter.
 */
export const PORTS = {
  ingestHubHttp: 26100,
  ingestSource: 26101,
  ingestHubSip: 26102,
  baselineSip: 26103,
  baselineWs: 26104,
  memoryHubHttp: 26110,
  memorySource: 26111,
  memoryHubSip: 26112,
  kamailio: 26120,
  coldHubHttp: 26122,
  coldHubSip: 26123,
  coldRawClient: 26124,
  clusterHttpA: 26140,
  clusterHttpB: 26141,
} as const;
