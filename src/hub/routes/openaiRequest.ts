import type { FastifyRequest } from 'fastify';
import { HttpError } from '../httpError.js';

// The front door's request fields, checked, with OpenAI's error for the field that is wrong.

export function bad(param: string, message: string): never {
  throw new HttpError(400, 'invalid_request_error', message, param);
}

export const isInt = (v: unknown): v is number => Number.isInteger(v);

/** The generation options every text request shares, checked; OpenAI's other fields are ignored. */
export function generationOptions(b: Record<string, unknown>) {
  const out: Record<string, unknown> = {};
  const max = b.max_completion_tokens ?? b.max_tokens;
  if (max !== undefined && max !== null) {
    if (!isInt(max) || max < 1) bad('max_tokens', 'max_tokens must be a positive integer');
    out.max_tokens = max;
  }
  if (b.temperature !== undefined && b.temperature !== null) {
    if (typeof b.temperature !== 'number' || b.temperature < 0 || b.temperature > 2)
      bad('temperature', 'temperature must be a number from 0 to 2');
    out.temperature = b.temperature;
  }
  if (b.stop !== undefined && b.stop !== null) {
    const stop = typeof b.stop === 'string' ? [b.stop] : b.stop;
    if (!Array.isArray(stop) || stop.length > 4 || !stop.every((s) => typeof s === 'string' && s !== ''))
      bad('stop', 'stop must be a string or a list of up to 4 strings');
    out.stop = stop;
  }
  return out;
}

export function requestBody(req: FastifyRequest): Record<string, unknown> {
  const b = req.body;
  if (typeof b !== 'object' || b === null || Array.isArray(b)) bad('body', 'the body must be a JSON object');
  return b as Record<string, unknown>;
}

export function requestModel(b: Record<string, unknown>): string {
  if (typeof b.model !== 'string' || b.model === '') bad('model', 'model is required: GET /models lists them');
  return b.model;
}

export function chatMessages(b: Record<string, unknown>): Array<{ role: string; content: string }> {
  if (!Array.isArray(b.messages) || b.messages.length === 0) bad('messages', 'messages must be a non-empty list');
  return b.messages.map((m: unknown, i) => {
    const msg = m as { role?: unknown; content?: unknown };
    if (typeof msg !== 'object' || msg === null || typeof msg.role !== 'string')
      bad(`messages.${i}.role`, `messages[${i}] must be an object with a role`);
    // Content parts: only text ones are understood.
    const content = Array.isArray(msg.content)
      ? msg.content.map((p: { type?: string; text?: string }) => (p?.type === 'text' ? (p.text ?? '') : '')).join('')
      : msg.content;
    if (typeof content !== 'string') bad(`messages.${i}.content`, `messages[${i}].content must be a string`);
    return { role: msg.role, content };
  });
}
