import { variantId } from '../../src/config/texts.js';
import type { MessageTemplate } from '../../src/domain/types.js';

/** A text written once for every language, as the config resolves a plain string. */
export const oneText = (text: string): MessageTemplate => ({ '*': [{ text, weight: 1, id: variantId(text) }] });
