/** The Alertmanager command line. No cdk8s here. */

/** Everything the Alertmanager command line is built from. */
export interface AlertmanagerArgsInput {
  readonly configFile: string;
  readonly storagePath: string;
  readonly retention: string;
  readonly webPort: number;
  readonly meshPort: number;
  /** Stable DNS name of every peer, this pod's own included (Alertmanager ignores itself). */
  readonly peerHosts: readonly string[];
  /** How long to keep trying to reach a peer that left before forgetting it. */
  readonly reconnectTimeout: string;
  /** Environment variable holding the pod IP, expanded by the kubelet in args. */
  readonly podIpEnv: string;
  /**
   * URL under which Alertmanager is reached from outside, used in links of notifications.
   * @default - none
   */
  readonly externalUrl?: string;
}

/** Alertmanager's arguments, in a stable order. A single peer runs without clustering. */
export function alertmanagerArgs(input: AlertmanagerArgsInput): string[] {
  const args = [
    `--config.file=${input.configFile}`,
    `--storage.path=${input.storagePath}`,
    `--data.retention=${input.retention}`,
    `--web.listen-address=:${input.webPort}`,
  ];
  if (input.externalUrl) args.push(`--web.external-url=${input.externalUrl}`);
  if (input.peerHosts.length <= 1) {
    // An empty listen address disables the mesh: a lone peer would otherwise wait for gossip that never comes.
    args.push('--cluster.listen-address=');
    return args;
  }
  args.push(
    `--cluster.listen-address=0.0.0.0:${input.meshPort}`,
    `--cluster.advertise-address=$(${input.podIpEnv}):${input.meshPort}`,
    ...input.peerHosts.map(host => `--cluster.peer=${host}:${input.meshPort}`),
    `--cluster.reconnect-timeout=${input.reconnectTimeout}`,
  );
  return args;
}
