import type { RedisClient } from './redis-connection.js';
import type { Keys } from './keys.js';

/** What workers are told over pub/sub. */
export type ControlMessage = { type: 'halt'; reason: string } | { type: 'resume' } | { type: 'abort'; runId: string };

export async function publishControl(redis: RedisClient, keys: Keys, message: ControlMessage): Promise<void> {
  await redis.publish(keys.control, JSON.stringify(message));
}

/** Subscribes on a connection of its own; resolves once subscribed, to a function that unsubscribes. */
export async function subscribeControl(redis: RedisClient, keys: Keys, onMessage: (message: ControlMessage) => void): Promise<() => Promise<void>> {
  const sub = redis.duplicate();
  sub.on('error', () => undefined);
  sub.on('message', (channel: string, text: string) => {
    if (channel !== keys.control) return;
    try {
      onMessage(JSON.parse(text) as ControlMessage);
    } catch {
      // A message from another version is ignored, not fatal.
    }
  });
  await sub.subscribe(keys.control);
  return async () => {
    await sub.quit().catch(() => sub.disconnect());
  };
}
