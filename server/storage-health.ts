/**
 * Whether this instance's last writes failed for lack of space. `/readyz` fails while they did (for `holdMs` after the
 * last such failure), so a load balancer sends the traffic elsewhere; then it answers ready again and the next write
 * shows whether space was freed. There is no write probe: a probe that succeeds (reusing WAL space) proves nothing
 * about the writes that fail. Process lifecycle, like draining: it holds no user state.
 */
export class StorageHealth {
  #fullAt: number | undefined;

  constructor(
    private readonly now: () => Date,
    readonly holdMs = 30_000,
  ) {}

  reportFull(): void {
    this.#fullAt = this.now().getTime();
  }

  /** Seconds a client should wait before writing again. */
  get retryAfterSeconds(): number {
    return Math.ceil(this.holdMs / 1000);
  }

  isFull(): boolean {
    return this.#fullAt !== undefined && this.now().getTime() - this.#fullAt < this.holdMs;
  }
}
