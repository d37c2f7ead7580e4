// Group commit: items (webhooks to store) that arrive while a statement is being written wait for
// it, and the next statement writes all of them, so they share one round trip and one commit. An
// item that arrives while nothing is being written goes at once, alone: nobody waits for company.
// One batch is written at a time, in arrival order.

export interface GroupCommitOptions<Item, Result> {
  /** Writes `items` with one statement (one transaction) and answers for each, in order. */
  write(items: Item[]): Promise<Result[]>;
  /** At most this many items per statement. */
  maxPerBatch: number;
  /**
   * Keys an item shares with items it must not be written beside (the same receipt, say): an item
   * whose key an earlier item of the batch holds waits for the next statement.
   */
  keysOf?(item: Item): string[];
  /** Told the size of every batch (metrics). */
  onBatch?(size: number): void;
}

interface Queued<Item, Result> {
  item: Item;
  settle(result: PromiseSettledResult<Result>): void;
}

export class GroupCommit<Item, Result> {
  private queue: Array<Queued<Item, Result>> = [];
  private writing = false;

  constructor(private readonly options: GroupCommitOptions<Item, Result>) {}

  async submit(item: Item): Promise<Result> {
    const result = await new Promise<PromiseSettledResult<Result>>((settle) => {
      this.queue.push({ item, settle });
      if (!this.writing) void this.writeQueued();
    });
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  }

  private async writeQueued(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.nextBatch();
        this.options.onBatch?.(batch.length);
        const results = await this.writeIsolated(batch.map((queued) => queued.item));
        batch.forEach((queued, i) => queued.settle(results[i]!));
      }
    } finally {
      this.writing = false;
    }
  }

  /** The queued items the next statement takes, in arrival order (see `keysOf`). */
  private nextBatch(): Array<Queued<Item, Result>> {
    const batch: Array<Queued<Item, Result>> = [];
    const later: Array<Queued<Item, Result>> = [];
    const taken = new Set<string>();
    for (const queued of this.queue) {
      const keys = this.options.keysOf?.(queued.item) ?? [];
      if (batch.length >= this.options.maxPerBatch || keys.some((key) => taken.has(key))) {
        later.push(queued);
        continue;
      }
      for (const key of keys) taken.add(key);
      batch.push(queued);
    }
    this.queue = later;
    return batch;
  }

  /**
   * Each item's result. A batch whose statement fails is written again item by item, so that an item
   * the database refuses fails alone, not the items that happened to arrive beside it.
   */
  private async writeIsolated(items: Item[]): Promise<Array<PromiseSettledResult<Result>>> {
    try {
      const results = await this.options.write(items);
      return results.map((value) => ({ status: 'fulfilled', value }));
    } catch (error) {
      if (items.length === 1) return [{ status: 'rejected', reason: error }];
      const alone: Array<PromiseSettledResult<Result>> = [];
      for (const item of items) {
        try {
          alone.push({ status: 'fulfilled', value: (await this.options.write([item]))[0]! });
        } catch (reason) {
          alone.push({ status: 'rejected', reason });
        }
      }
      return alone;
    }
  }
}
