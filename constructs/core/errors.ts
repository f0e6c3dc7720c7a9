/**
 * An error in user input (props, rule files, alertmanager.yml, environment). The message is complete and
 * actionable on its own: the app prints it without a stack trace.
 */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
