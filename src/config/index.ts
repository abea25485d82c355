export { keptApiToken, type KeptApiToken } from './apiToken.js';
export { isLoopback } from './checks.js';
export { ConfigError } from './errors.js';
export { loadConfig, parseConfig } from './load.js';
export { redactConfig, redactUrl } from './redact.js';
export type {
  Config,
  EvolutionGatewayConfig,
  GatewayConfig,
  SessionConfig,
  WahaGatewayConfig,
  WawpGatewayConfig,
} from './schema.js';
