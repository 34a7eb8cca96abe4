/** A class whose instances are T; its parameters are resolved by the DI container. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- constructor parameters are the container's business
export type Constructor<T> = new (...args: any[]) => T;
