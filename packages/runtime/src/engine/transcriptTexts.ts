/**
 * The catalogue of what the engine writes in a transcript, keyed by a stable code, in words for
 * a person running the bot (never a stack trace).
 */
export const TRANSCRIPT_TEXTS = {
  'conversation.started': 'The conversation started.',
  'conversation.ended': 'The conversation ended.',
  'conversation.expired':
    'The conversation expired after waiting too long for a reply; the next message starts it again.',
  'conversation.reset': 'An operator reset the conversation; the next message starts it again.',
  'conversation.restarted': 'The conversation started again from the beginning.',
  'flow.no_trigger': 'No start node accepts this message, so the bot did not answer.',
  'flow.invalid': 'The flow has errors and cannot run; fix them and publish again.',
  'flow.not_found': 'No published flow is available for this number, so the bot did not answer.',
  'flow.version_missing':
    'The flow version this conversation was on no longer exists; the conversation started again on the current version.',
  'flow.version_moved': 'The conversation moved to the newest version of the flow.',
  'flow.step_limit':
    'The flow ran too many steps without waiting for the user (a loop?). The conversation was stopped; the next message starts it again.',
  'flow.goto_failed': 'The flow tried to jump to another flow that is not published.',
  'node.failed':
    'A step of the flow failed unexpectedly. The conversation was stopped; the next message starts it again.',
  'node.error_port': 'A step of the flow failed; the flow continues on its error path.',
  'node.bad_result': 'A step of the flow gave an answer the engine cannot use.',
  'node.invalid_message': 'A step of the flow produced a message WhatsApp would not accept; it was not sent.',
  'keyword.matched': 'A global keyword was used.',
  'input.stale_reply': 'The user tapped a button of an earlier question.',
  'input.ignored': 'The message arrived while the bot was busy (waiting on a timer) and was not used.',
  'input.duplicate': 'The same message was delivered twice; it was handled once.',
  'input.coalesced': 'The message was joined with the next ones (they arrived close together).',
  'contact.opted_out':
    'The contact asked to stop receiving messages; the bot will not write until they send START.',
  'contact.opted_in': 'The contact asked to receive messages again.',
  'contact.opted_out_ignored': 'The contact has opted out; their message was recorded but not answered.',
  'optout.suppressed': 'Not sent: the contact has opted out of messages.',
  'window.closed':
    'Not sent: more than 24 hours passed since the user last wrote, and WhatsApp only allows templates then.',
  'handoff.started': 'The conversation was handed to a person; the bot stays quiet until it is released.',
  'handoff.message': 'Recorded for the operator; the bot does not answer during a handoff.',
  'handoff.released': 'The operator released the conversation; the bot continues.',
  'operator.message': 'An operator sent a message.',
  'message.status': 'Delivery status of a sent message.',
  'engine.failed': 'Something unexpected went wrong while handling this event; the conversation was stopped.',
} as const;

export type TranscriptCode = keyof typeof TRANSCRIPT_TEXTS;
