/** The Bot API's shapes as the connector reads them, and its rate-limit signal. */
import type { ProxyResponse } from '../proxy/platformProxy.js';
import type { RateSignal } from '../proxy/pacing.js';

export interface User {
  id: number;
  is_bot?: boolean;
  first_name?: string;
  username?: string;
  can_read_all_group_messages?: boolean;
}

export interface Message {
  message_id: number;
  date: number;
  chat: { id: number; type: string; title?: string; username?: string };
  from?: User;
  text?: string;
  caption?: string;
  entities?: Array<{ type: string; offset: number; length: number }>;
  photo?: Array<{ file_id: string; width?: number; height?: number; file_size?: number }>;
  reply_to_message?: { message_id: number; from?: User };
}

export interface Update {
  update_id: number;
  message?: Message;
}

/** Telegram's 429 names its wait in the body, not a header. */
export function telegramSignal(res: ProxyResponse): RateSignal | null {
  if (res.status !== 429) return null;
  try {
    const after = res.json<{ parameters?: { retry_after?: number } }>().parameters?.retry_after;
    return typeof after === 'number' ? { retryAfterMs: after * 1000 } : null;
  } catch {
    return null;
  }
}
