/**
 * A bounded double-ended queue of events. When full, the oldest event is dropped (and
 * counted): under a long outage the freshest data is the most useful, and memory must stay
 * bounded in browsers and long-running servers alike. A ring buffer keeps push/shift O(1).
 */
export class BoundedQueue<T> {
  private items: (T | undefined)[];
  private head = 0;
  private count = 0;
  /** Events dropped because the queue was full. */
  dropped = 0;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError("queue capacity must be at least 1");
    this.items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Appends; drops the oldest item when full. */
  push(item: T): void {
    if (this.count === this.capacity) {
      this.items[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.count--;
      this.dropped++;
    }
    this.items[(this.head + this.count) % this.capacity] = item;
    this.count++;
  }

  /** Puts items back at the front (e.g. a beacon the browser refused), in their order. */
  unshiftAll(items: T[]): void {
    for (let i = items.length - 1; i >= 0; i--) {
      if (this.count === this.capacity) {
        this.dropped += i + 1; // no room: the older ones being returned are the ones to lose
        return;
      }
      this.head = (this.head - 1 + this.capacity) % this.capacity;
      this.items[this.head] = items[i];
      this.count++;
    }
  }

  /**
   * Removes and returns up to `max` items from the front whose summed `sizeOf` stays within
   * `budget`; always at least one, so an oversized item cannot block the queue forever.
   */
  take(max: number, budget = Infinity, sizeOf: (item: T) => number = () => 0): T[] {
    const out: T[] = [];
    let used = 0;
    while (this.count > 0 && out.length < max) {
      const item = this.items[this.head] as T;
      const size = sizeOf(item);
      if (out.length > 0 && used + size > budget) break;
      used += size;
      this.items[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.count--;
      out.push(item);
    }
    return out;
  }
}

/** Byte length of a string in UTF-8, without encoding it. */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
