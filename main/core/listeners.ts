// A typed listener set: subscribe returns its own unsubscribe, and the count is visible so tests and
// the bench can prove that nothing accumulates.
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();

  subscribe(listener: (value: T) => void): () => void {
    this.set.add(listener);
    return () => {
      this.set.delete(listener);
    };
  }

  emit(value: T): void {
    for (const listener of [...this.set]) listener(value);
  }

  get size(): number {
    return this.set.size;
  }

  clear(): void {
    this.set.clear();
  }
}
