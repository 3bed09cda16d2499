import type { Deadline } from '../deadline.js';
import type { KoreCredentials } from './types.js';

/** Where the client gets its credentials; the Secrets Manager source is one implementation. */
export interface CredentialsSource {
  /** The credentials, cached; a read honours the deadline. */
  get(deadline?: Deadline): Promise<KoreCredentials>;
  /**
   * Read again, bypassing the cache (called once after a 401). `stale` is what failed: when
   * the cache already holds something newer (another record refreshed first), that is returned
   * without another read.
   */
  refresh(stale: KoreCredentials, deadline?: Deadline): Promise<KoreCredentials>;
}

export class StaticCredentials implements CredentialsSource {
  constructor(private creds: KoreCredentials) {}
  async get(): Promise<KoreCredentials> {
    return this.creds;
  }
  async refresh(): Promise<KoreCredentials> {
    return this.creds;
  }
  set(creds: KoreCredentials): void {
    this.creds = creds;
  }
}
