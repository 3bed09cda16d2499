import { randomUUID } from 'node:crypto';

/** In-memory Kore account: contact lists and campaigns, in the seeds' field shapes. */

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

export interface EmuCampaign {
  _id: string;
  name: string;
  lname: string;
  description: string;
  dncLists?: { id: string; name: string };
  priority: string;
  dialingMode: string;
  status: string;
  isFiltersEnabled: boolean;
  createdAt: string;
  updatedAt: string;
  schedule: { isSchedulingEnabled: boolean; isRecurrenceEnabled: boolean };
  contactLists: string[];
}

/** Seed input: any subset of fields; campaigns name their lists, as Kore's campaigns do. */
export interface SeedList extends Partial<EmuList> {
  name: string;
}
export interface SeedCampaign extends Partial<Omit<EmuCampaign, 'dncLists' | 'name'>> {
  name: string;
  contactLists?: string[];
  /** Name of the campaign's DNC list. */
  dncList?: string;
}
export interface Seed {
  lists?: SeedList[];
  campaigns?: SeedCampaign[];
}

const USER = 'u-eb5bbee1-6af9-5b9a-b471-03a3fe4a1b2c';
const ORG = 'o-f8b351e7-f83a-51bd-bd42-d5d4086a1b2c';

export class AccountState {
  readonly lists = new Map<string, EmuList>();
  readonly campaigns = new Map<string, EmuCampaign>();

  constructor(
    readonly accountId: string,
    readonly streamId: string,
    private readonly now: () => number,
  ) {}

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  findListByName(name: string): EmuList | undefined {
    const l = name.toLowerCase();
    for (const list of this.lists.values()) if (list.lname === l) return list;
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

  addCampaign(seed: SeedCampaign): EmuCampaign {
    const ts = this.iso();
    const { dncList, ...rest } = seed;
    const dnc = dncList ? this.findListByName(dncList) : undefined;
    const campaign: EmuCampaign = {
      _id: seed._id ?? `cd-${randomUUID()}`,
      description: '',
      priority: '5',
      dialingMode: 'Progressive',
      status: 'Ready',
      isFiltersEnabled: false,
      createdAt: ts,
      updatedAt: ts,
      schedule: { isSchedulingEnabled: false, isRecurrenceEnabled: false },
      contactLists: [],
      ...rest,
      ...(dnc ? { dncLists: { id: dnc._id, name: dnc.name } } : {}),
      lname: seed.name.toLowerCase(),
    };
    this.campaigns.set(campaign._id, campaign);
    const used = [...campaign.contactLists, ...(dnc ? [dnc.name] : [])];
    for (const name of used) {
      const list = this.findListByName(name);
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
    for (const c of seed.campaigns ?? []) this.addCampaign(c);
    // The v2 sample's quirk: a list may say isListInUse:false while campaigns use it.
    for (const l of seed.lists ?? []) {
      if (l.isListInUse === false && l._id) {
        const list = this.lists.get(l._id);
        if (list) list.isListInUse = false;
      }
    }
  }

  /** Deleting a campaign detaches it from its lists (REFERENCE §2.13 leaves this open; configurable). */
  detachCampaign(id: string): void {
    for (const list of this.lists.values()) {
      const before = list.campaignInUse.length;
      list.campaignInUse = list.campaignInUse.filter((c) => c.id !== id);
      if (before !== list.campaignInUse.length && list.campaignInUse.length === 0) list.isListInUse = false;
    }
  }

  touch(list: EmuList): void {
    list.updatedAt = this.iso();
  }

  snapshot(): { lists: EmuList[]; campaigns: EmuCampaign[] } {
    return { lists: [...this.lists.values()], campaigns: [...this.campaigns.values()] };
  }
}
