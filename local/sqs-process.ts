import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LocalError, PortInUseError } from './errors.js';

export interface SqsServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts fauxqs in a child process (it is ESM-only and needs Node >= 22.5; the project and Jest
 * are CommonJS) on 127.0.0.1. Its first stdout line says the port, or why it could not start:
 * a busy port is a PortInUseError, an old Node a one-line LocalError.
 */
export async function startSqsServer(port = 0): Promise<SqsServer> {
  const child: ChildProcess = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', join(__dirname, 'sqs-server.mjs')], {
    env: { ...process.env, FAUXQS_PORT: String(port) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const actual = await new Promise<number>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new LocalError('the local SQS (fauxqs) did not start within 15 s'));
    }, 15_000);
    const exited = (code: number | null) => {
      clearTimeout(timer);
      reject(new LocalError(`the local SQS (fauxqs) exited with code ${code} before it listened`));
    };
    child.once('exit', exited);
    rl.once('line', (line) => {
      clearTimeout(timer);
      rl.close();
      let said: { port?: number; error?: string; message?: string };
      try {
        said = JSON.parse(line) as typeof said;
      } catch {
        said = { error: 'unknown', message: line };
      }
      if (typeof said.port === 'number') {
        child.off('exit', exited);
        return resolve(said.port);
      }
      child.off('exit', exited);
      if (said.error === 'EADDRINUSE') return reject(new PortInUseError('SQS', port));
      if (said.error === 'node-version') return reject(new LocalError(`${said.message}: run it through npm (npm start), which uses the node@22 devDependency`));
      reject(new LocalError(`the local SQS (fauxqs) could not start: ${said.message ?? said.error}`));
    });
  });
  return {
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin?.end();
        setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
      }),
  };
}
