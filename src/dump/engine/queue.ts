/**
 * A bounded byte queue between one producer (a COPY running on a parallel connection) and one consumer (the part
 * stream the caller reads). `push` resolves only while the queue holds less than `limit` bytes, so a producer that
 * awaits it stops reading its COPY stream, which pauses the socket: memory stays bounded by `limit` per queue.
 */
export class ByteQueue {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private ended = false;
  private error: unknown = undefined;
  private failed = false;
  private wakeReader: (() => void) | undefined;
  private wakeWriter: (() => void) | undefined;

  constructor(private readonly limit: number) {}

  get bufferedBytes(): number {
    return this.size;
  }

  get isFailed(): boolean {
    return this.failed;
  }

  get isDone(): boolean {
    return this.ended || this.failed;
  }

  /** Append a chunk; resolves when there is room again. Rejects if the queue failed (the dump is being aborted). */
  async push(chunk: Buffer): Promise<void> {
    if (this.failed) throw this.error;
    if (this.ended) throw new Error('ByteQueue.push after end');
    this.chunks.push(chunk);
    this.size += chunk.length;
    this.signalReader();
    while (this.size >= this.limit && !this.failed) {
      await new Promise<void>((resolve) => { this.wakeWriter = resolve; });
    }
    if (this.failed) throw this.error;
  }

  end(): void {
    this.ended = true;
    this.signalReader();
  }

  /** Fail the queue: the reader throws `err` at its next read; a waiting writer is released with it. */
  fail(err: unknown): void {
    if (this.failed || this.ended) return;
    this.failed = true;
    this.error = err;
    this.chunks.length = 0;
    this.size = 0;
    this.signalReader();
    this.signalWriter();
  }

  private signalReader(): void {
    const w = this.wakeReader;
    this.wakeReader = undefined;
    w?.();
  }

  private signalWriter(): void {
    const w = this.wakeWriter;
    this.wakeWriter = undefined;
    w?.();
  }

  async *drain(): AsyncGenerator<Buffer, void, undefined> {
    for (;;) {
      if (this.failed) throw this.error;
      const c = this.chunks.shift();
      if (c !== undefined) {
        this.size -= c.length;
        if (this.size < this.limit) this.signalWriter();
        yield c;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => { this.wakeReader = resolve; });
    }
  }
}
