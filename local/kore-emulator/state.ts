import { randomUUID } from 'node:crypto';

/**
 * In-memory Kore account: contact lists and campaigns, stored in the union of the field shapes
 * Kore's samples show (views.ts picks what each reply carries).
 */

export interface EmuList {
  _id: string;
  isActive: boolean;
  name: string;
  lname: string;
  description: string;
  totalRecordCount: number;
  status: string;
  createdBy: string;
  updatedBy: string;
  mapping: Record<string, string>;
  isListInUse: boolean;
  listType: string;
  isGlobalDNC: boolean;
  isDefault: boolean;
  campaignInUse: { id: string; name: string }[];
  source: string;
  apiConfigurations: { dataSyncMode: string };
  columns: string[];
  files: { fileId: string; fileName: string }[];
  createdAt: string;
  updatedAt: string;
  allowDuplicates: boolean;
  orgId: string;
  iId: string;
  accountId: string;
}

/** Every status Kore names (docs/kore-api.md, "Campaign status"); `Rerun` appears in the UI guide only. */
export const CAMPAIGN_STATUSES = ['Preparing', 'Ready', 'Active', 'Paused', 'Stopped', 'Completed', 'Scheduled', 'Rescheduled', 'Rerun'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
export type CampaignType = 'voice' | 'sms';

export interface CampaignSchedule {
  isSchedulingEnabled: boolean;
  isRecurrenceEnabled: boolean;
}

export interface DialingStrategy {
  callerId: { phoneNumber: string };
  callingHours: { frequency: string; timezone: string; days: { day: string; start: string; end: string }[] };
  dialingOrder?: string;
  maxAttemptsPerRecord?: number;
  defaultRetryPeriod?: number;
  maxRingTime?: number;
  useSystemMappings?: boolean;
}

export interface EmuCampaign {
  _id: string;
  campaignType: CampaignType;
  name: string;
  lname: string;
  description: string;
  /** The campaign's DNC list; SMS replies show only its name (docs/kore-api.md, "Campaign ids"). */
  dncLists?: { id: string; name: string };
  priority: string;
  /** Voice only. */
  dialingMode: string;
  dialingStrategy: DialingStrategy;
  /** Agentless voice and advanced SMS: the experience flow (`cf-…`). */
  experienceFlow?: string;
  /** Voice: queue or flow name shown in list results. */
  connection: string;
  status: CampaignStatus | string;
  isFiltersEnabled: boolean;
  createdAt: string;
  updatedAt: string;
  campaignInstanceUpdatedAt: string;
  /** Set by a start trigger (voice). */
  campaignInstanceId?: string;
  schedule: CampaignSchedule;
  /** List names, not ids, as Kore has them. */
  contactLists: string[];
  /** SMS only. */
  message?: { message: string; template_name?: string };
  format?: 'simple' | 'advanced';
  totalMessagesSent?: number;
  campaignExecutionType?: string;
  isImported?: boolean;
}

/** Seed input: any subset of fields; campaigns name their lists, as Kore's campaigns do. */
export interface SeedList extends Partial<EmuList> {
  name: string;
}
export interface SeedCampaign extends Partial<Omit<EmuCampaign, 'dncLists' | 'name' | 'schedule' | 'dialingStrategy'>> {
  name: string;
  contactLists?: string[];
  /** Name of the campaign's DNC list. */
  dncList?: string;
  schedule?: Partial<CampaignSchedule>;
  dialingStrategy?: Partial<DialingStrategy>;
}
export interface Seed {
  lists?: SeedList[];
  campaigns?: SeedCampaign[];
}

export interface StateSnapshot {
  lists: EmuList[];
  campaigns: EmuCampaign[];
}

const USER = 'u-eb5bbee1-6af9-5b9a-b471-03a3fe4a1b2c';
const ORG = 'o-f8b351e7-f83a-51bd-bd42-d5d4086a1b2c';
const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR'].map((day) => ({ day, start: '9:00 AM', end: '6:00 PM' }));

export class AccountState {
  readonly lists = new Map<string, EmuList>();
  readonly campaigns = new Map<string, EmuCampaign>();

  constructor(
    readonly accountId: string,
    readonly streamId: string,
    private readonly now: () => number,
  ) {}

  iso(): string {
    return new Date(this.now()).toISOString();
  }

  findListByName(name: string): EmuList | undefined {
    const l = name.toLowerCase();
    for (const list of this.lists.values()) if (list.lname === l) return list;
    return undefined;
  }

  findCampaignByName(name: string): EmuCampaign | undefined {
    const l = name.toLowerCase();
    for (const c of this.campaigns.values()) if (c.lname === l) return c;
    return undefined;
  }

  addList(seed: SeedList): EmuList {
    const ts = this.iso();
    const list: EmuList = {
      _id: seed._id ?? `cl-${randomUUID()}`,
      isActive: true,
      description: '',
      totalRecordCount: 0,
      status: 'Ready',
      createdBy: USER,
      updatedBy: USER,
      mapping: {
        firstName: 'firstName',
        lastName: 'lastName',
        phoneNumber: 'phoneNumber',
        timeZone: 'timeZone',
        uniqueId: 'uniqueId',
        contactPriority: 'contactPriority',
      },
      isListInUse: false,
      listType: 'call',
      isGlobalDNC: false,
      isDefault: false,
      campaignInUse: [],
      source: 'passiveApi',
      apiConfigurations: { dataSyncMode: 'allowDuplicates' },
      columns: [],
      files: [],
      createdAt: seed.createdAt ?? seed.updatedAt ?? ts,
      updatedAt: ts,
      allowDuplicates: true,
      orgId: ORG,
      iId: this.streamId,
      accountId: this.accountId,
      ...seed,
      lname: seed.name.toLowerCase(),
    };
    this.lists.set(list._id, list);
    return list;
  }

  /**
   * Adds a campaign and marks its lists and DNC list as used by it, as Kore's UI rules say (docs/kore-api.md, "DNC lists").
   * `findList` looks a list up by name (default: `findListByName`, a scan of every list).
   */
  addCampaign(seed: SeedCampaign, findList: (name: string) => EmuList | undefined = (name) => this.findListByName(name)): EmuCampaign {
    const ts = this.iso();
    const { dncList, schedule, dialingStrategy, ...rest } = seed;
    const dnc = dncList ? findList(dncList) : undefined;
    const type: CampaignType = seed.campaignType ?? 'voice';
    const campaign: EmuCampaign = {
      _id: seed._id ?? `cd-${randomUUID()}`,
      campaignType: type,
      description: '',
      priority: '5',
      dialingMode: 'Progressive',
      connection: 'Default Queue',
      status: 'Ready',
      isFiltersEnabled: false,
      createdAt: ts,
      updatedAt: seed.updatedAt ?? ts,
      campaignInstanceUpdatedAt: seed.updatedAt ?? ts,
      contactLists: [],
      ...(type === 'sms'
        ? {
            format: 'simple',
            message: { message: 'TWVzc2FnZSBmb3IgeW91ciB0YXJnZXRlZCBjdXN0b21lcg==' },
            totalMessagesSent: 0,
            campaignExecutionType: 'NORMAL',
            isImported: false,
          }
        : {}),
      ...rest,
      schedule: { isSchedulingEnabled: false, isRecurrenceEnabled: false, ...schedule },
      dialingStrategy: {
        callerId: { phoneNumber: '+14846500000' },
        callingHours: { frequency: 'WEEKLY', timezone: 'America/New_York', days: WEEKDAYS },
        ...(type === 'voice' ? { dialingOrder: 'FIFO', maxAttemptsPerRecord: 3, defaultRetryPeriod: 10, maxRingTime: 30, useSystemMappings: false } : {}),
        ...dialingStrategy,
      },
      ...(dnc ? { dncLists: { id: dnc._id, name: dnc.name } } : {}),
      lname: seed.name.toLowerCase(),
    };
    this.campaigns.set(campaign._id, campaign);
    const used = [...campaign.contactLists, ...(dnc ? [dnc.name] : [])];
    for (const name of used) {
      const list = findList(name);
      if (!list) continue;
      if (!list.campaignInUse.some((c) => c.id === campaign._id)) {
        list.campaignInUse.push({ id: campaign._id, name: campaign.name });
      }
      list.isListInUse = true;
    }
    return campaign;
  }

  seed(seed: Seed): void {
    for (const l of seed.lists ?? []) this.addList(l);
    // Campaigns name their lists: look them up in one map (the first list of each name, as
    // findListByName finds it) instead of scanning every list per name: 5,000 campaigns on a
    // 100,000-list account took 30 s, now well under one.
    const byName = new Map<string, EmuList>();
    if (seed.campaigns?.length) for (const list of this.lists.values()) if (!byName.has(list.lname)) byName.set(list.lname, list);
    for (const c of seed.campaigns ?? []) this.addCampaign(c, (name) => byName.get(name.toLowerCase()));
    // The v2 sample's quirk: a list may say isListInUse:false while campaigns use it.
    for (const l of seed.lists ?? []) {
      if (l.isListInUse === false && l._id) {
        const list = this.lists.get(l._id);
        if (list) list.isListInUse = false;
      }
    }
  }

  /** Deleting a campaign detaches it from its lists (docs/kore-api.md, "Delete campaign", leaves this open; a realism switch). */
  detachCampaign(id: string): void {
    for (const list of this.lists.values()) {
      const before = list.campaignInUse.length;
      list.campaignInUse = list.campaignInUse.filter((c) => c.id !== id);
      if (before !== list.campaignInUse.length && list.campaignInUse.length === 0) list.isListInUse = false;
    }
  }

  touch(item: { updatedAt: string }): void {
    item.updatedAt = this.iso();
  }

  /** The live objects (for `GET /__admin/state` and tests). */
  snapshot(): StateSnapshot {
    return { lists: [...this.lists.values()], campaigns: [...this.campaigns.values()] };
  }

  /** A deep copy that later changes do not reach (what a reset returns to). */
  copy(): StateSnapshot {
    return structuredClone(this.snapshot());
  }

  /** Replaces everything with a copy of `snap`; the Maps stay the same objects, so held references stay valid. */
  restore(snap: StateSnapshot): void {
    const copy = structuredClone(snap);
    this.lists.clear();
    this.campaigns.clear();
    for (const l of copy.lists) this.lists.set(l._id, l);
    for (const c of copy.campaigns) this.campaigns.set(c._id, c);
  }

  clear(): void {
    this.lists.clear();
    this.campaigns.clear();
  }
}
