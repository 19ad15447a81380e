import type { SettingCheck } from '../config.js';
import type { StoreAdapter } from './adapter.js';
import { pgAdapter } from './postgres/adapter.js';
import { sqliteAdapter } from './sqlite/adapter.js';

/** Every store adapter, one line each (see CONTRIBUTING.md, "Adding a store adapter"). */
const ADAPTERS: readonly StoreAdapter[] = [sqliteAdapter, pgAdapter];

const settings = ADAPTERS.map((a) => a.setting);
const expected = `${settings.slice(0, -1).join(', ')} or ${settings.at(-1)}`;

/**
 * The check loadConfig runs on the store setting (the config sits below the store, so the CLI hands
 * it over). Its message never repeats the setting: a URL may hold a password.
 */
export const storeSetting: SettingCheck = {
  matches: (value) => ADAPTERS.some((a) => a.matches(value)),
  expected,
};

/** The adapter the store setting picks. */
export function storeAdapter(setting: string): StoreAdapter {
  const adapter = ADAPTERS.find((a) => a.matches(setting));
  if (!adapter) throw new Error(`the store setting must be ${expected}`);
  return adapter;
}
