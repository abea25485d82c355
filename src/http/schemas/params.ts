// Path parameters several routes share.

export const sessionParams = { type: 'object', required: ['session'], properties: { session: { type: 'string' } } };

/** A session's caller, written as a phone number (any spelling) or a chat id. */
export const sessionCallerParams = {
  type: 'object',
  required: ['session', 'caller'],
  properties: { session: { type: 'string' }, caller: { type: 'string', description: 'a phone number or chat id' } },
};
