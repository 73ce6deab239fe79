// The allowlist redaction of stored payloads (D85, D88): identifiers, vocabularies, codes and times
// survive; every other string, whatever its key, becomes "[redacted]"; shape, numbers and booleans stay.
import { describe, expect, it } from 'vitest';
import { redactPersonal } from '../../src/util/redact.ts';

describe('redactPersonal', () => {
  it('keeps ids, enums, codes and times, and redacts every other string', () => {
    expect(
      redactPersonal({
        event_type: 'analysis.completed',
        task_id: 'task-1',
        call_id: 42,
        data: {
          qualification: { qualification_status: 'hot', decision_makers: ['Dana Whitfield', 'Spouse'] },
          entities: {
            name: 'Dana Whitfield',
            phone: '+12175550144',
            email: 'dana@example.com',
            address: '12 Elm St',
          },
          summary: { summary: 'Dana called about a leak.', key_points: ['Leak'] },
          objections: [
            {
              objection_text: 'Too expensive',
              category_text: 'Price/Budget',
              severity: 'high',
              overcome: false,
            },
          ],
          a_field_shunya_adds_tomorrow: 'free text',
          created_at: '2025-01-15T10:00:00Z',
          sentiment_score: 0.8,
        },
      }),
    ).toEqual({
      event_type: 'analysis.completed',
      task_id: 'task-1',
      call_id: 42,
      data: {
        qualification: { qualification_status: 'hot', decision_makers: ['[redacted]', '[redacted]'] },
        entities: { name: '[redacted]', phone: '[redacted]', email: '[redacted]', address: '[redacted]' },
        summary: { summary: '[redacted]', key_points: ['[redacted]'] },
        objections: [
          { objection_text: '[redacted]', category_text: 'Price/Budget', severity: 'high', overcome: false },
        ],
        a_field_shunya_adds_tomorrow: '[redacted]',
        created_at: '2025-01-15T10:00:00Z',
        sentiment_score: 0.8,
      },
    });
  });

  it('keeps an error message with phone numbers and e-mail addresses masked, and ids verbatim', () => {
    expect(
      redactPersonal({
        task_id: 'task-0.9657902486864642',
        message: 'No +1 217 555 0144 or dana@example.com',
      }),
    ).toEqual({ task_id: 'task-0.9657902486864642', message: 'No [phone] or [email]' });
  });

  it('redacts a bare string and stops at a depth limit', () => {
    expect(redactPersonal('Dana')).toBe('[redacted]');
    let deep: unknown = 'secret';
    for (let i = 0; i < 100; i++) deep = { status: deep };
    expect(JSON.stringify(redactPersonal(deep))).not.toContain('secret');
  });
});
