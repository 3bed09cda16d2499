import { errorMessage } from './errors.js';

/**
 * Builds a Lambda handler at cold start. When the environment is invalid (a ConfigError naming
 * the variable), the module still loads and the handler throws that error on every invocation:
 * Lambda reports it as a function error (the errors alarm fires), and `serverless invoke local`
 * prints it and exits non-zero instead of hanging on a module that failed to load.
 */
export function coldStart<H extends (...args: never[]) => Promise<unknown>>(build: () => H): H {
  try {
    return build();
  } catch (err) {
    // One structured line at init, without any value from the environment.
    process.stderr.write(
      `${JSON.stringify({ level: 'ERROR', message: 'cold start failed', error: { name: (err as Error)?.name, message: errorMessage(err) } })}\n`,
    );
    return (async () => {
      throw err;
    }) as unknown as H;
  }
}
