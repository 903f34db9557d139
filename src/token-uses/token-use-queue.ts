import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';

/** A client address a token was presented from, to be recorded. */
export interface AddressUse {
  tokenId: string;
  address: string;
  at: number;
}

/** What a verifier's cache entry knows of one token's uses; the queue updates it in place. */
export interface UseState {
  /** When lastUsedAt was last queued for writing (or recorded). */
  lastUseQueuedAt: number;
  /**
   * The client addresses known for the token: recorded ones (loaded with it) and those seen since.
   * A request from one of them costs a scan of this short array; only a new address or the
   * once-a-minute tick of a known one queues a write.
   */
  addresses: string[];
  /** When each address's use was last queued (or recorded), by index in `addresses`. */
  addressQueuedAt: number[];
}

/** What a token's row holds of its uses, as its repository reads it. */
export interface RecordedUses {
  lastUsedAt: Date | null;
  addresses: { address: string; lastUsedAt: Date }[];
}

/** Queued lastUsedAt values by token id, and the addresses to record with them. */
export type UseBatch = { uses: Map<string, number>; addresses: AddressUse[] };

/** `queued`: a write is queued for the token; `new-address`: also, the address is outside its recorded set. */
export type UseNote = 'quiet' | 'queued' | 'new-address';

const LAST_USED_EVERY_MS = 60_000;
const FLUSH_EVERY_MS = 10_000;
/** Addresses an entry remembers; beyond this the oldest is forgotten (a token used from a large pool). */
const REMEMBERED_ADDRESSES = 16;

export const noUses = (): UseState => ({ lastUseQueuedAt: 0, addresses: [], addressQueuedAt: [] });

export const useStateOf = (recorded: RecordedUses): UseState => ({
  lastUseQueuedAt: recorded.lastUsedAt?.getTime() ?? 0,
  addresses: recorded.addresses.map((use) => use.address),
  addressQueuedAt: recorded.addresses.map((use) => use.lastUsedAt.getTime()),
});

/**
 * The queues of every kind of token, written every 10 seconds and at shutdown (after the last
 * request, before the database closes).
 */
@Injectable()
export class TokenUseQueues implements OnModuleInit, BeforeApplicationShutdown {
  private readonly queues: TokenUseQueue[] = [];
  private timer?: NodeJS.Timeout;

  /** The queue of one kind of token; `write` stores a batch (a token in `addresses` is also in `uses`, with the same time). */
  create(kind: string, write: (batch: UseBatch) => Promise<void>): TokenUseQueue {
    const queue = new TokenUseQueue(kind, write);
    this.queues.push(queue);
    return queue;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_EVERY_MS).unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Writes every queue (tests call it to see uses at once). */
  async flush(): Promise<void> {
    await Promise.all(this.queues.map((queue) => queue.flush()));
  }
}

/**
 * lastUsedAt and lastUsedIps of one kind of token, kept off the verify hot path: a verifier notes
 * each accepted use against the token's cached UseState, which queues at most one write per token
 * (and per address) a minute. Made by TokenUseQueues, which writes it.
 */
export class TokenUseQueue {
  private readonly logger: Logger;
  private uses = new Map<string, number>();
  /** By `<tokenId> <address>`. */
  private addresses = new Map<string, AddressUse>();

  constructor(
    kind: string,
    private readonly write: (batch: UseBatch) => Promise<void>,
  ) {
    this.logger = new Logger(`TokenUseQueue:${kind}`);
  }

  /** Notes a use of `tokenId` from `address` (empty when the connection closed before the check ran). */
  note(state: UseState, tokenId: string, address: string, now = Date.now()): UseNote {
    let note: UseNote = 'quiet';
    if (now - state.lastUseQueuedAt >= LAST_USED_EVERY_MS) note = this.queueUse(state, tokenId, now);
    if (!address) return note;
    const known = state.addresses.indexOf(address);
    if (known >= 0) {
      if (now - state.addressQueuedAt[known] < LAST_USED_EVERY_MS) return note;
      state.addressQueuedAt[known] = now;
      return this.queueAddress(state, tokenId, address, now);
    }
    if (state.addresses.length >= REMEMBERED_ADDRESSES) {
      state.addresses.shift();
      state.addressQueuedAt.shift();
    }
    state.addresses.push(address);
    state.addressQueuedAt.push(now);
    this.queueAddress(state, tokenId, address, now);
    return 'new-address';
  }

  /** Writes what is queued. */
  async flush(): Promise<void> {
    const batch = { uses: this.uses, addresses: [...this.addresses.values()] };
    this.uses = new Map();
    this.addresses = new Map();
    if (!batch.uses.size) return;
    try {
      await this.write(batch);
    } catch (error) {
      this.logger.error(`writing (or announcing) lastUsedAt for ${batch.uses.size} tokens failed: ${(error as Error).message}`);
    }
  }

  private queueUse(state: UseState, tokenId: string, now: number): 'queued' {
    state.lastUseQueuedAt = now;
    this.uses.set(tokenId, now);
    return 'queued';
  }

  /** The token's lastUsedAt goes with it: the same time (and, for instance tokens, the write that bumps the list's revision). */
  private queueAddress(state: UseState, tokenId: string, address: string, now: number): 'queued' {
    if (state.lastUseQueuedAt !== now) this.queueUse(state, tokenId, now);
    this.addresses.set(`${tokenId} ${address}`, { tokenId, address, at: now });
    return 'queued';
  }
}
