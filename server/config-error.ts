/** The environment does not describe a runnable server: the operator must change it (main.ts exits with EX_CONFIG). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
