/**
 * A callbridge webhook URL as it may be logged, stored or served: the segment after the gateway's
 * name, its webhookToken, is a secret and is masked (`/webhooks/hosted/***`).
 */
export const redactWebhookUrl = (url: string): string => url.replace(/(\/webhooks\/[^/?#]*\/)[^?#]*/, '$1***');
