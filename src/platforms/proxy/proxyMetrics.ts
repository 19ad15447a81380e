import { Counter, type Registry } from 'prom-client';
import type { PlatformCall } from '../../store/platformStore.js';
import type { ProxyObserver } from './platformProxy.js';

/** Prometheus counters of the proxy, per platform and account. */
export class ProxyMetrics implements ProxyObserver {
  private readonly calls: Counter<'platform' | 'account'>;
  private readonly errors: Counter<'platform' | 'account'>;
  private readonly limited: Counter<'platform' | 'account'>;
  private readonly waited: Counter<'platform' | 'account'>;

  constructor(registry: Registry) {
    const labelNames = ['platform', 'account'] as const;
    const registers = [registry];
    this.calls = new Counter({
      name: 'roost_platform_calls_total',
      help: 'Platform calls made',
      labelNames,
      registers,
    });
    this.errors = new Counter({
      name: 'roost_platform_errors_total',
      help: 'Platform calls that failed: network errors, 4xx and 5xx answers (429s included)',
      labelNames,
      registers,
    });
    this.limited = new Counter({
      name: 'roost_platform_rate_limited_total',
      help: 'Platform calls answered 429 (too many requests)',
      labelNames,
      registers,
    });
    this.waited = new Counter({
      name: 'roost_platform_wait_seconds_total',
      help: 'Time platform calls waited for pacing (budgets, rate-limit signals, Retry-After)',
      labelNames,
      registers,
    });
  }

  call(c: PlatformCall): void {
    const labels = { platform: c.platform, account: c.account };
    this.calls.inc(labels);
    if (c.status === 0 || c.status >= 400) this.errors.inc(labels);
    if (c.status === 429) this.limited.inc(labels);
    if (c.waitMs > 0) this.waited.inc(labels, c.waitMs / 1000);
  }
}
