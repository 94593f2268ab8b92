/**
 * Streamers' triggers: validated by the trigger model, a sound checked to be the user's
 * own, stored, and announced (`triggers:changed`) so every process running that user's
 * live session reloads them.
 */
import { InvalidInputError, NotFoundError } from '../errors.js';
import type { Events } from '../events.js';
import type { SoundStore, TriggerRecord, TriggerStore } from '../store/types.js';
import { parseTriggerInput, type Trigger } from './trigger.js';

/** A trigger as the API shows it (the seed's field names). */
export interface TriggerView extends Trigger {
  id: number;
  created_at: string;
  updated_at: string;
}

/** The engine's view of a stored trigger. */
export function toEngineTrigger(t: TriggerRecord): TriggerView {
  return {
    id: t.id,
    event_type: t.eventType as Trigger['event_type'],
    condition_key: t.conditionKey,
    condition_value: t.conditionValue,
    action: t.action,
    action_params: t.actionParams as unknown as Trigger['action_params'],
    enabled: t.enabled,
    cooldown_seconds: t.cooldownSeconds,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
  };
}

/** Set (create or replace), list and delete, for one store. */
export class TriggerService {
  constructor(
    private readonly store: TriggerStore & Pick<SoundStore, 'findSound'>,
    private readonly events: Events,
    private readonly maxPerUser: number,
  ) {}

  /** Creates a trigger, or replaces the one named by `id`. */
  async set(userId: number, body: unknown): Promise<TriggerView> {
    const { id, ...fields } = (body ?? {}) as Record<string, unknown>;
    if (id !== undefined && !(Number.isSafeInteger(id) && (id as number) > 0)) throw new InvalidInputError('invalid_trigger', 'Invalid trigger: `id` must be the id of one of your triggers.');
    const input = parseTriggerInput(fields);
    const sound = input.action_params.sound;
    if (sound && !(await this.store.findSound(userId, sound))) {
      throw new InvalidInputError('sound_not_found', `you have no sound ${JSON.stringify(sound)} — upload it first (POST /v2/sounds/upload) and use the filename it returns`);
    }
    const stored = {
      eventType: input.event_type,
      conditionKey: input.condition_key,
      conditionValue: input.condition_value,
      action: input.action,
      actionParams: input.action_params as unknown as Record<string, unknown>,
      enabled: input.enabled,
      cooldownSeconds: input.cooldown_seconds,
    };
    const record = id === undefined ? await this.store.addTrigger(userId, stored, this.maxPerUser) : await this.store.updateTrigger(userId, id as number, stored);
    if (!record) throw new NotFoundError('trigger_not_found', `you have no trigger ${id}`);
    this.events.broadcast('triggers:changed', { userId });
    return toEngineTrigger(record);
  }

  /** The user's triggers, oldest first. */
  async list(userId: number): Promise<TriggerView[]> {
    return (await this.store.listTriggers(userId)).map(toEngineTrigger);
  }

  /** Deletes one of the user's triggers. */
  async delete(userId: number, id: number): Promise<void> {
    if (!(await this.store.deleteTrigger(userId, id))) throw new NotFoundError('trigger_not_found', `you have no trigger ${id}`);
    this.events.broadcast('triggers:changed', { userId });
  }
}
