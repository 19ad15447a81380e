/**
 * The rooms of one Matrix account: those of its `rooms` credential (joined once), the rooms it is
 * invited to (joined unless `acceptInvites` is "false" or the invite says the room is encrypted),
 * its direct chats (the `m.direct` account data; an invite marked `is_direct` is added to it), and
 * which rooms are end-to-end encrypted (a room's `m.room.encryption` state; once encrypted, a room
 * stays so), which Roost does not support yet.
 */
import { InputError } from '../../errors.js';
import { PlatformRefusal } from '../errors.js';
import { MatrixError, type MatrixApi } from './matrixApi.js';
import { encryptedIn, type SyncResponse } from './matrixEvents.js';

const C = '/_matrix/client/v3';

export class MatrixRooms {
  readonly acceptInvites: boolean;
  /** The `m.direct` account data: user id -> their direct rooms with the account. */
  private directMap: Record<string, string[]> = {};
  /** Room id -> whether it is encrypted. */
  private readonly encrypted = new Map<string, boolean>();
  private joined: Promise<string[]> | null = null;
  /** Invites whose room could not be joined: not tried again. */
  private readonly unjoinable = new Set<string>();

  constructor(
    private readonly api: MatrixApi,
    private readonly creds: Record<string, string>,
  ) {
    const invites = (creds.acceptInvites ?? 'true').toLowerCase();
    if (invites !== 'true' && invites !== 'false')
      throw new InputError('acceptInvites', `acceptInvites is "true" or "false", got '${creds.acceptInvites}'`);
    this.acceptInvites = invites === 'true';
  }

  /** The account's direct chats, read from its account data. */
  async loadDirect(userId: string): Promise<Set<string>> {
    this.directMap =
      (await this.api.call<Record<string, string[]>>('GET', `${C}/user/:user/account_data/m.direct`, {
        params: { user: userId },
        absent: ['M_NOT_FOUND'],
      })) ?? {};
    return this.direct();
  }

  private direct(): Set<string> {
    return new Set(Object.values(this.directMap).flat());
  }

  /** The rooms of the `rooms` credential, joined once (joining a room the account is in changes nothing). */
  configured(): Promise<string[]> {
    const wanted = (this.creds.rooms ?? '')
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean);
    return (this.joined ??= Promise.all(wanted.map((r) => this.join(r, 'rooms'))).catch((e: unknown) => {
      this.joined = null;
      throw e;
    }));
  }

  private async join(room: string, field: string): Promise<string> {
    try {
      return (await this.api.call<{ room_id: string }>('POST', `${C}/join/:room`, { params: { room }, body: {} }))!
        .room_id;
    } catch (e) {
      if (e instanceof MatrixError && e.status < 500)
        throw new PlatformRefusal(field, `the account cannot join ${room}: ${e.message}`);
      throw e;
    }
  }

  /** What a sync answer says beyond events: direct chats, encrypted rooms, invites (joined here). Returns the direct chats. */
  async saw(s: SyncResponse, me: string): Promise<Set<string>> {
    const direct = s.account_data?.events?.find((e) => e.type === 'm.direct');
    if (direct) this.directMap = direct.content as Record<string, string[]>;
    for (const [room, r] of Object.entries(s.rooms?.join ?? {})) if (encryptedIn(r)) this.encrypted.set(room, true);
    for (const [room, r] of Object.entries(s.rooms?.invite ?? {})) {
      const state = r.invite_state?.events ?? [];
      if (!this.acceptInvites || this.unjoinable.has(room) || state.some((e) => e.type === 'm.room.encryption'))
        continue;
      try {
        await this.join(room, 'invite');
      } catch (e) {
        // A room gone or closed since the invite: nothing a person must fix, so no reason to pause the bot.
        if (!(e instanceof PlatformRefusal)) throw e;
        this.unjoinable.add(room);
        continue;
      }
      const mine = state.find((e) => e.type === 'm.room.member' && e.state_key === me);
      if (mine?.content.is_direct === true && !(this.directMap[mine.sender] ?? []).includes(room)) {
        this.directMap = { ...this.directMap, [mine.sender]: [...(this.directMap[mine.sender] ?? []), room] };
        await this.api.call('PUT', `${C}/user/:user/account_data/m.direct`, {
          params: { user: me },
          body: this.directMap,
        });
      }
    }
    return this.direct();
  }

  /** Whether a sync has shown the room encrypted (no call). */
  knownEncrypted(room: string): boolean {
    return this.encrypted.get(room) === true;
  }

  /** From the room's state once (`m.room.encryption`), then from what syncs say. */
  async isEncrypted(room: string): Promise<boolean> {
    const known = this.encrypted.get(room);
    if (known !== undefined) return known;
    const state = await this.api.call('GET', `${C}/rooms/:room/state/m.room.encryption/`, {
      params: { room },
      absent: ['M_NOT_FOUND'],
    });
    this.encrypted.set(room, state !== null);
    return state !== null;
  }
}
