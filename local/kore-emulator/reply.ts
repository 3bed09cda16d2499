import type { ErrorPageStyle } from './realism.js';

/** What the emulator answers to one API call, before faults decide whether it is delivered. */
export interface Reply {
  status: number;
  /** A JSON value, or the page text when `html` is set. */
  body: unknown;
  html?: boolean;
  headers?: Record<string, string>;
  /** The call changed the account (create, update, delete, trigger): commit-then-* faults apply to it. */
  committed?: boolean;
}

/** Kore's success envelope (docs/kore-api.md, "Conventions"). */
export function ok(message: string, data: unknown, committed = false): Reply {
  return { status: 200, body: { status: 'success', message, data }, ...(committed ? { committed } : {}) };
}

/** Kore platform error shape `{errors:[{msg, code}]}` (docs/kore-api.md, "Errors": the emulator default). */
export function koreError(status: number, msg: string, code: number = status): Reply {
  return { status, body: { errors: [{ msg, code }] } };
}

/** Unknown id on a route that exists: Kore's JSON 404, or an HTML page (a load balancer, a wrong host). */
export function entityNotFound(style: ErrorPageStyle, msg: string): Reply {
  return style === 'html' ? htmlPage(404, 'Not Found') : koreError(404, msg);
}

/** A path, method or streamId that names nothing: never an entity 404 in Kore's shape unless style says json. */
export function unknownRoute(style: ErrorPageStyle, method: string, path: string): Reply {
  return style === 'html' ? htmlPage(404, 'Not Found') : koreError(404, `No route for ${method} ${path}`);
}

export function htmlPage(status: number, title: string): Reply {
  return {
    status,
    html: true,
    body: `<!DOCTYPE html>\n<html><head><title>${status} ${title}</title></head><body><center><h1>${status} ${title}</h1></center><hr><center>nginx</center></body></html>\n`,
  };
}
