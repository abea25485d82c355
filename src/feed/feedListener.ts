import type pg from 'pg';

export interface FeedListenerOptions {
  url: string;
  channel: string;
  /** A notification arrived, or the connection was (re)established and changes may have been missed. */
  onWake: () => void;
  onError: (err: unknown) => void;
}

const RECONNECT_MIN = 250;
const RECONNECT_MAX = 5000;

/**
 * LISTENs on the feed channel on a dedicated connection (a pooled one can't hold a LISTEN), and
 * reconnects with backoff when the connection drops: other replicas' changes arrive through it.
 */
export class FeedListener {
  private client: pg.Client | null = null;
  private retry: NodeJS.Timeout | null = null;
  private delay = RECONNECT_MIN;
  private stopped = false;

  constructor(private readonly opts: FeedListenerOptions) {}

  /** Resolves once listening; later connection losses are repaired in the background. */
  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: this.opts.url, connectionTimeoutMillis: 5000 });
    client.on('notification', () => this.opts.onWake());
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, null));
    try {
      await client.connect();
      await client.query(`listen ${pg.escapeIdentifier(this.opts.channel)}`);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    if (this.stopped) {
      await client.end();
      return;
    }
    this.client = client;
    this.delay = RECONNECT_MIN;
    // Listening from here on; whatever committed while we were not is read now.
    this.opts.onWake();
  }

  private lost(client: pg.Client, err: Error | null): void {
    if (this.stopped || this.client !== client) return;
    this.client = null;
    if (err) this.opts.onError(err);
    void client.end().catch(() => {});
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect().catch((err: unknown) => {
        this.opts.onError(err);
        this.delay = Math.min(this.delay * 2, RECONNECT_MAX);
        this.schedule();
      });
    }, this.delay);
    this.retry.unref();
  }
}
