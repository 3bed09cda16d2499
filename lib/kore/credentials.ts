import type { KoreCredentials } from './types.js';

/** Where the client gets its credentials; the Secrets Manager source is one implementation. */
export interface CredentialsSource {
  get(): Promise<KoreCredentials>;
  /** Drop any cache and read again (called once after a 401). */
  refresh(): Promise<KoreCredentials>;
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
