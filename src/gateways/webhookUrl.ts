/**
 * A callbridge webhook URL, as a gateway may repeat it in a body, fit to store and serve: the
 * segment after the gateway's name, its webhookToken, is a secret and is masked as the logs mask it
 * (`https://cb.example/webhooks/evo/<webhookToken>`).
 */
export const redactWebhookUrl = (url: string): string =>
  url.replace(/(\/webhooks\/[^/?#]*\/)[^/?#]*/, '$1<webhookToken>');
