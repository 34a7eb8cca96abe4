/**
 * Base of errors a reasonable caller may catch and show (bad config, a conflict, a plugin that
 * failed). Bugs stay plain `Error`s. Messages say what is wrong and what to do.
 */
export abstract class Exception extends Error {
  protected constructor(message: string) {
    super(message);
    this.name = new.target.name;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}
