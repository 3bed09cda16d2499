import type { ApiContext } from './api-context.js';
import { campaignStatus, createCampaign, deleteCampaign, disableSchedule, getAllCampaigns, getCampaign, triggerCampaign } from './campaigns.js';
import { createList, getAllLists, listById } from './lists.js';
import type { Realism } from './realism.js';
import { koreError, unknownRoute } from './reply.js';
import type { Reply } from './reply.js';
import type { AccountState } from './state.js';

/**
 * Kore's API surface: which method and path reach which handler. Pure over the account state
 * and the realism settings: no sockets, no clock but the state's, no faults.
 *
 * Three path roots are served (docs/kore-api.md, "Trigger paths"):
 * - `/campaign/api/v2/public/{streamId}/campaign…` (V2): everything;
 * - `/api/v2/public/{streamId}/campaign/trigger/{id}`: the start/stop voice page's literal path;
 * - `/campaign/api/v1/public/{IID}/campaign/{id}?trigger=`: the v1 start/stop path.
 */

export interface ApiRequest {
  method: string;
  /** URL path as received (not decoded). */
  path: string;
  query: URLSearchParams;
  body: unknown;
}

type Root = 'v2' | 'v2-trigger-page' | 'v1';

interface Route {
  method: string;
  roots: Root[];
  /** Matched against the path below `…/campaign`; groups are URI-encoded ids. */
  pattern: RegExp;
  /** Also required: a query parameter with this value (the trigger variant on `V2/{id}`). */
  when?: (q: URLSearchParams) => boolean;
  /** `?accountId=` is on nearly every v2 URL; the trigger, schedule and contacts samples lack it (docs/kore-api.md, "Conventions"). */
  accountIdOptional?: boolean;
  handle: (ctx: ApiContext, id: string) => Reply;
}

const ID = '([^/]+)';
const CAMPAIGN_ID = '(cd-[^/]+)';
const hasTrigger = (q: URLSearchParams) => q.has('trigger');

const ROUTES: Route[] = [
  { method: 'POST', roots: ['v2'], pattern: /^\/contactList\/createContactList$/, handle: (ctx) => createList(ctx) },
  { method: 'POST', roots: ['v2'], pattern: /^\/contactList\/getAllListDetails$/, handle: (ctx) => getAllLists(ctx) },
  ...['GET', 'PUT', 'DELETE'].map((method): Route => ({ method, roots: ['v2'], pattern: new RegExp(`^/contactList/${ID}$`), handle: listById })),
  { method: 'POST', roots: ['v2'], pattern: /^$/, when: (q) => q.has('campaignType'), handle: (ctx) => createCampaign(ctx) },
  { method: 'POST', roots: ['v2'], pattern: /^\/getAllCampaignDetails$/, handle: (ctx) => getAllCampaigns(ctx) },
  { method: 'POST', roots: ['v2'], pattern: /^\/schedule$/, accountIdOptional: true, handle: (ctx) => disableSchedule(ctx) },
  {
    method: 'POST',
    roots: ['v2'],
    pattern: new RegExp(`^/${CAMPAIGN_ID}/status$`),
    accountIdOptional: true,
    handle: (ctx, id) => (ctx.query.get('view') === 'contacts' || ctx.query.has('accountId') ? campaignStatus(ctx, id) : missingAccountId()),
  },
  // Start/stop: `V2/trigger/{id}`, `V2//trigger/{id}` (stop SMS page), `/api/v2/…/trigger/{id}` (voice pages), `V2/{id}?trigger=` (start SMS page), v1.
  { method: 'POST', roots: ['v2', 'v2-trigger-page'], pattern: new RegExp(`^//?trigger/${ID}$`), accountIdOptional: true, handle: triggerCampaign },
  { method: 'POST', roots: ['v2', 'v1'], pattern: new RegExp(`^/${CAMPAIGN_ID}$`), when: hasTrigger, accountIdOptional: true, handle: triggerCampaign },
  { method: 'GET', roots: ['v2'], pattern: new RegExp(`^/${CAMPAIGN_ID}$`), handle: getCampaign },
  { method: 'DELETE', roots: ['v2'], pattern: new RegExp(`^/${CAMPAIGN_ID}$`), handle: deleteCampaign },
];

const ROOTS: { root: Root; pattern: RegExp }[] = [
  { root: 'v2', pattern: /^\/campaign\/api\/v2\/public\/([^/]+)\/campaign(\/.*)?$/ },
  { root: 'v2-trigger-page', pattern: /^\/api\/v2\/public\/([^/]+)\/campaign(\/.*)?$/ },
  { root: 'v1', pattern: /^\/campaign\/api\/v1\/public\/([^/]+)\/campaign(\/.*)?$/ },
];

function missingAccountId(): Reply {
  return koreError(400, 'accountId query parameter is required');
}

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/**
 * The reply Kore gives to an authenticated, admitted call. A path, method or `streamId` that
 * names nothing is an unknown route (`realism.unknownRouteStyle`), never an entity 404.
 */
export function routeApiCall(req: ApiRequest, state: AccountState, realism: Readonly<Realism>): Reply {
  const notFound = () => unknownRoute(realism.unknownRouteStyle, req.method, req.path);
  const root = ROOTS.map((r) => ({ root: r.root, m: r.pattern.exec(req.path) })).find((r) => r.m);
  if (!root?.m) return notFound();
  if (decode(root.m[1] ?? '') !== state.streamId) return notFound();
  const rest = root.m[2] ?? '';
  for (const route of ROUTES) {
    if (route.method !== req.method || !route.roots.includes(root.root)) continue;
    const m = route.pattern.exec(rest);
    if (!m || (route.when && !route.when(req.query))) continue;
    const id = m[1] === undefined ? '' : decode(m[1]);
    if (id === undefined) return notFound();
    const accountId = req.query.get('accountId');
    if (accountId === null ? !route.accountIdOptional : accountId !== state.accountId) return missingAccountId();
    const body = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
    return route.handle({ method: req.method, query: req.query, body, state, realism }, id);
  }
  return notFound();
}
