import type { Config } from '../config.js';
import type { Budgets } from './proxy/pacing.js';
import { PLATFORMS } from './registry.js';

/**
 * The budget of `PLATFORM` (its accounts together) or `PLATFORM:ACCOUNT`: the config's
 * `platformBudgets` first, else the platform's own default for every account or for the platform.
 */
export function platformBudgets(configured: Config['platformBudgets']): (key: string) => Budgets | undefined {
  return (key) => {
    if (configured[key]) return configured[key];
    const [platform, account] = key.split(':');
    const defaults = PLATFORMS.find((p) => p.name === platform)?.budgets;
    return account === undefined ? defaults?.platform : defaults?.account;
  };
}
