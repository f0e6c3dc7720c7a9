/**
 * An error in user input (props, rule files, alertmanager.yml, environment). The message is complete and
 * actionable on its own: the app prints it without a stack trace.
 *
 * TypeScript only: jsii cannot export a subclass of `Error`, so other languages get the same message as their
 * runtime's error type (a `RuntimeError` in Python).
 * @jsii ignore
 */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
