import type { Realism } from './realism.js';
import type { AccountState, EmuCampaign, EmuList } from './state.js';

/** What each reply shows of the stored objects, in the field shapes of Kore's samples. */

/**
 * Which campaigns a list shows as using it. With `dncInUse` off, a campaign that references the
 * list only as its DNC list does not count: the list looks free, and only the campaign's
 * `dncLists` tells a client otherwise.
 */
export function effectiveUse(list: EmuList, state: AccountState, realism: Realism): Pick<EmuList, 'campaignInUse' | 'isListInUse'> {
  if (realism.dncInUse || list.campaignInUse.length === 0) {
    return { campaignInUse: list.campaignInUse.map((c) => ({ ...c })), isListInUse: list.isListInUse };
  }
  const campaignInUse = list.campaignInUse.filter((ref) => !isDncOnlyLink(list, state.campaigns.get(ref.id))).map((c) => ({ ...c }));
  return { campaignInUse, isListInUse: campaignInUse.length === 0 ? false : list.isListInUse };
}

function isDncOnlyLink(list: EmuList, c: EmuCampaign | undefined): boolean {
  if (!c || c.dncLists?.id !== list._id) return false;
  return !c.contactLists.some((n) => n.toLowerCase() === list.lname);
}

/** `GET contactList/{id}` (docs/kore-api.md, "Get contact list"): every field, minus `omitListFields.get`. */
export function listDetail(list: EmuList, state: AccountState, realism: Realism): Record<string, unknown> {
  return omit({ ...structuredClone(list), ...effectiveUse(list, state, realism) }, realism.omitListFields.get);
}

/** `getAllListDetails` item (docs/kore-api.md, "getAllListDetails fields"): no createdAt/createdBy, minus `omitListFields.list`. */
export function listSummary(list: EmuList, state: AccountState, realism: Realism): Record<string, unknown> {
  const use = effectiveUse(list, state, realism);
  return omit(
    {
      _id: list._id,
      name: list.name,
      description: list.description,
      totalRecordCount: list.totalRecordCount,
      status: list.status,
      mapping: { ...list.mapping },
      isListInUse: use.isListInUse,
      listType: list.listType,
      campaignInUse: use.campaignInUse,
      source: list.source,
      apiConfigurations: { ...list.apiConfigurations },
      columns: [...list.columns],
      files: list.files.map((f) => ({ ...f })),
      updatedAt: list.updatedAt,
      isGlobalDNC: list.isGlobalDNC,
      isDefault: list.isDefault,
    },
    realism.omitListFields.list,
  );
}

/** The list as it was, for the DELETE echo (docs/kore-api.md, "Delete contact list": still `isActive: true`). */
export function listEcho(list: EmuList): Record<string, unknown> {
  return structuredClone(list) as unknown as Record<string, unknown>;
}

/**
 * `GET V2/{campaignId}` (docs/kore-api.md, "Get campaign": Kore's voice and SMS samples): `_id` for both types;
 * SMS shows `dncLists` by name only and its own fields.
 */
export function campaignDetail(c: EmuCampaign): Record<string, unknown> {
  const common = {
    _id: c._id,
    name: c.name,
    lname: c.lname,
    description: c.description,
    status: c.status,
    priority: c.priority,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    schedule: { ...c.schedule },
    contactLists: [...c.contactLists],
    ...(c.experienceFlow ? { experienceFlow: c.experienceFlow } : {}),
  };
  if (c.campaignType === 'sms') {
    const { callerId, callingHours } = c.dialingStrategy;
    return {
      ...common,
      ...(c.dncLists ? { dncLists: { name: c.dncLists.name } } : {}),
      dialingStrategy: structuredClone({ callerId, callingHours }),
      isImported: c.isImported ?? false,
      isFiltersEnabled: c.isFiltersEnabled,
      format: c.format ?? 'simple',
    };
  }
  return {
    ...common,
    ...(c.dncLists ? { dncLists: { ...c.dncLists } } : {}),
    dialingMode: c.dialingMode,
    dialingStrategy: structuredClone(c.dialingStrategy),
  };
}

/** `getAllCampaignDetails` item (docs/kore-api.md, "getAllCampaignDetails"): voice has `_id`, SMS has `id` ("Campaign ids"). */
export function campaignResult(c: EmuCampaign, realism: { smsResultsWithoutDates: boolean } = { smsResultsWithoutDates: false }): Record<string, unknown> {
  if (c.campaignType === 'sms' && realism.smsResultsWithoutDates) {
    // As docs/kore-api.md lists them: no createdAt, no updatedAt (Kore still sorts by them).
    const { createdAt: _c, updatedAt: _u, ...documented } = campaignResult(c);
    return documented;
  }
  if (c.campaignType === 'sms') {
    return {
      name: c.name,
      description: c.description,
      status: c.status,
      ...(c.dncLists ? { dncLists: { name: c.dncLists.name } } : {}),
      priority: c.priority,
      ...(c.message ? { message: { ...c.message } } : c.experienceFlow ? { experienceFlow: c.experienceFlow } : {}),
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
      schedule: { ...c.schedule },
      id: c._id,
      totalMessagesSent: c.totalMessagesSent ?? 0,
      campaignInstanceUpdatedAt: c.campaignInstanceUpdatedAt,
      campaignExecutionType: c.campaignExecutionType ?? 'NORMAL',
      contactLists: [...c.contactLists],
      format: c.format ?? 'simple',
    };
  }
  return {
    _id: c._id,
    name: c.name,
    description: c.description,
    ...(c.dncLists ? { dncLists: { ...c.dncLists } } : {}),
    priority: c.priority,
    dialingMode: c.dialingMode,
    status: c.status,
    isFiltersEnabled: c.isFiltersEnabled,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    campaignInstanceUpdatedAt: c.campaignInstanceUpdatedAt,
    schedule: { ...c.schedule },
    connection: c.connection,
    contactLists: [...c.contactLists],
  };
}

function omit(obj: Record<string, unknown>, fields: string[] | undefined): Record<string, unknown> {
  if (!fields?.length) return obj;
  for (const f of fields) delete obj[f];
  return obj;
}
