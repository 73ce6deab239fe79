// Ghost mode (§3.2, D87): a ghost visit's analysis keeps no text of the conversation. A visit's follow-ups
// come as `visit_actions` (§3.2 step 3.4, D76) as well as `pending_actions`; both carry the customer's
// words (and the e-mail or phone Shunya heard). The visit_actions list was kept verbatim: the privacy e2e
// found a ghost visit's customer e-mail in its stored analysis and its task title, whenever the
// simulator's follow-up happened to quote it.
import { describe, expect, it } from 'vitest';
import type { CompleteAnalysis, PendingAction } from '../../../src/shunya/types.ts';
import { withoutConversation } from '../../../src/steps/ghost.ts';
import { buildAnalysis } from '../../helpers/canonical.ts';

const quoting = (text: string): PendingAction => ({
  action: text,
  action_type: 'send_quote',
  due_at: '2025-01-16T10:00:00Z',
  priority: 'high',
  contact_method: 'email',
  confidence: 0.9,
  raw_text: text,
});

describe('a ghost visit’s analysis', () => {
  const said = 'Email the quote to dana.miller@example.net or call +1 217 555 0199';
  const kept = withoutConversation(
    'analysis',
    buildAnalysis({ pending_actions: [quoting(said)], visit_actions: [quoting(said)] }),
  ) as CompleteAnalysis;

  it('keeps no words of the customer in any follow-up, pending or visit action', () => {
    expect(JSON.stringify(kept)).not.toContain('dana.miller');
    expect(JSON.stringify(kept)).not.toContain('555 0199');
    for (const a of [...kept.pending_actions, ...kept.visit_actions])
      expect(a).toMatchObject({ action: 'Send quote', raw_text: null, action_type: 'send_quote' });
  });

  it('keeps the structured part of each follow-up (type, due time, priority)', () => {
    expect(kept.visit_actions[0]).toMatchObject({ due_at: '2025-01-16T10:00:00Z', priority: 'high' });
  });
});
