/**
 * Loopback addresses stand in for pod IPs: every pod (and every stand-in service such as vmselect) gets
 * its own 127.42.<block>.<n> address, so the ports written in the manifests stay as they are and three
 * Alertmanagers can all listen on 9093/9094. A {@link Resolver} plays cluster DNS: it rewrites
 * `<dns-name>:<port>` into `<address>:<port>` in container args and mounted config files.
 */
import * as fs from 'fs';
import { escapeRegex } from '../constructs/core/regex';
import { registerAfterCleanupCheck } from './lifecycle';

/** Second octet of every e2e address: away from 127.0.0.1, where other tests and tools listen. */
const E2E_SECOND_OCTET = 42;
/** Third octets tried for a test's block of addresses. */
const FIRST_BLOCK = 1;
const LAST_BLOCK = 254;
/** How far apart (in blocks) two Jest workers start looking for a free block. */
const WORKER_BLOCK_STRIDE = 127;
/** Highest host number in a block (127.42.b.1 .. 127.42.b.254). */
const MAX_HOST = 254;
/** /proc/net/tcp state of a listening socket. */
const TCP_LISTEN = '0A';
const PROC_NET_FILES = ['/proc/net/tcp', '/proc/net/tcp6', '/proc/net/udp', '/proc/net/udp6'];

/** A socket bound on loopback, as read from /proc/net. */
export interface BoundSocket {
  readonly protocol: string;
  readonly address: string;
  readonly port: number;
}

/**
 * The loopback addresses of one test. The block is chosen so that no socket is bound in it, and when the
 * test ends a check fails the test if any socket is still bound in it (a process or server not stopped).
 */
export class LoopbackBlock {
  /** Third octet of this block. */
  public readonly block: number;
  private nextHost = 1;

  constructor() {
    this.block = pickFreeBlock();
    registerAfterCleanupCheck(async () => {
      const left = await waitUntilUnbound(this.prefix, PORT_RELEASE_WAIT_MS);
      if (left.length > 0) {
        throw new Error(
          `sockets still bound after the test stopped everything: ${left.map(formatSocket).join(', ')}`,
        );
      }
    });
  }

  /** `127.42.<block>.` */
  public get prefix(): string {
    return `127.${E2E_SECOND_OCTET}.${this.block}.`;
  }

  /** A fresh address in this block. */
  public allocate(): string {
    if (this.nextHost > MAX_HOST) throw new Error(`loopback block ${this.prefix}0/24 is exhausted`);
    return `${this.prefix}${this.nextHost++}`;
  }

  /** Sockets currently bound to an address of this block. */
  public boundSockets(): BoundSocket[] {
    return boundSockets().filter((s) => s.address.startsWith(this.prefix));
  }
}

/** How long the after-test check waits for the kernel to release sockets of exited processes. */
const PORT_RELEASE_WAIT_MS = 3_000;

/** Plays cluster DNS: names (service, pod, external host) to loopback addresses. */
export class Resolver {
  private readonly addresses = new Map<string, string>();

  /** Map `name` (and any `aliases`) to `address`. */
  public add(address: string, ...names: string[]): void {
    for (const name of names) {
      const existing = this.addresses.get(name);
      if (existing && existing !== address) {
        throw new Error(`DNS name ${name} already resolves to ${existing}, cannot map it to ${address}`);
      }
      this.addresses.set(name, address);
    }
  }

  /** The address of `name`; throws naming the known names when unknown. */
  public resolve(name: string): string {
    const address = this.addresses.get(name);
    if (!address) {
      throw new Error(`no address for DNS name ${name}; known: ${[...this.addresses.keys()].join(', ')}`);
    }
    return address;
  }

  /** The known names. */
  public names(): string[] {
    return [...this.addresses.keys()];
  }

  /**
   * Replace every `<known name>:<port>` in `text` with `<address>:<port>`. Only names followed by a port
   * are rewritten, so a rule expression mentioning `job="vmselect"` stays as it is.
   */
  public rewriteHosts(text: string): string {
    // Longest first so `am-0.am-headless.monitoring.svc` wins over a shorter alias that prefixes it.
    const names = [...this.addresses.keys()].sort((a, b) => b.length - a.length);
    if (names.length === 0) return text;
    const pattern = new RegExp(`(^|[^A-Za-z0-9.-])(${names.map(escapeRegex).join('|')})(?=:\\d)`, 'g');
    return text.replace(pattern, (_match, before: string, name: string) => before + this.resolve(name));
  }
}

/**
 * A listen address the way a pod sees it: `:9093` or `0.0.0.0:9094` bind every interface of the pod's
 * network namespace, which here is the pod's own loopback address.
 */
export function bindToPodAddress(arg: string, podAddress: string): string {
  return arg.replace(/(^|=)(?:0\.0\.0\.0)?:(\d+)$/, (_m, before: string, port: string) => `${before}${podAddress}:${port}`);
}

/** Every socket bound to a 127.x address, from /proc/net (TCP: listening ones only). */
export function boundSockets(): BoundSocket[] {
  const sockets: BoundSocket[] = [];
  for (const file of PROC_NET_FILES) {
    if (!fs.existsSync(file)) continue;
    const protocol = file.replace('/proc/net/', '');
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1);
    for (const line of lines) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (protocol.startsWith('tcp') && state !== TCP_LISTEN) continue;
      const [hexAddress, hexPort] = local.split(':');
      const address = decodeProcAddress(hexAddress);
      if (address?.startsWith('127.')) sockets.push({ protocol, address, port: parseInt(hexPort, 16) });
    }
  }
  return sockets;
}

/** Poll until nothing is bound under `prefix`, at most `timeoutMs`; returns what is still bound. */
export async function waitUntilUnbound(prefix: string, timeoutMs: number): Promise<BoundSocket[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = boundSockets().filter((s) => s.address.startsWith(prefix));
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function pickFreeBlock(): number {
  const used = new Set(boundSockets().map((s) => s.address));
  // Jest workers start half the range apart: a block one picked but has not bound yet is not the other's next.
  const worker = Number(process.env.JEST_WORKER_ID ?? '1') - 1;
  const start = FIRST_BLOCK + ((process.pid + worker * WORKER_BLOCK_STRIDE) % (LAST_BLOCK - FIRST_BLOCK));
  for (let i = 0; i <= LAST_BLOCK - FIRST_BLOCK; i++) {
    const block = FIRST_BLOCK + ((start - FIRST_BLOCK + i) % (LAST_BLOCK - FIRST_BLOCK + 1));
    const prefix = `127.${E2E_SECOND_OCTET}.${block}.`;
    if (usedBlocks.has(block) || [...used].some((a) => a.startsWith(prefix))) continue;
    usedBlocks.add(block);
    return block;
  }
  throw new Error(`no free loopback block under 127.${E2E_SECOND_OCTET}.0.0/16`);
}

/** Blocks handed out by this process: a new test never reuses the block of an earlier one. */
const usedBlocks = new Set<number>();

/** /proc/net hex address (little-endian IPv4, or IPv6 possibly holding a mapped IPv4) to dotted form. */
function decodeProcAddress(hex: string): string | undefined {
  const ipv4Hex = hex.length === 8 ? hex : hex.startsWith('0000000000000000FFFF0000') ? hex.slice(24) : undefined;
  if (!ipv4Hex) return undefined;
  const bytes = ipv4Hex.match(/../g)!.map((b) => parseInt(b, 16));
  return bytes.reverse().join('.');
}

function formatSocket(s: BoundSocket): string {
  return `${s.protocol} ${s.address}:${s.port}`;
}
