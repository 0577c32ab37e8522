// A list-then-watch of one kind of object. start() resolves with the initial list; after
// that, changes arrive through the handlers until failed() is called or stop() is.
export interface WatchHandlers<T> {
  added(object: T): void;
  modified(object: T): void;
  deleted(object: T): void;
  /** The source has stopped on an error; it delivers nothing more. */
  failed(error: unknown): void;
}

export interface WatchSource<T> {
  start(handlers: WatchHandlers<T>): Promise<T[]>;
  stop(): Promise<void>;
}
